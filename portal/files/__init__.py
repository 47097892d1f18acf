"""Evidence files: storage backends, content sniffing, hashing and metadata stripping.

No blueprint: intake and tracking store files through :func:`portal.files.services.ingest`, the back
office reads them through :func:`portal.files.storage.get_storage`.
"""
