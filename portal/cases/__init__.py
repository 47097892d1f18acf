"""The core: submissions (đơn) as received, the cases (vụ việc) made from them, their history."""
