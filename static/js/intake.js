// Progressive enhancement for the submission form and the receipt. Everything works without it.
(function () {
  "use strict";
  var printButton = document.getElementById("print-receipt");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  var form = document.getElementById("submission-form");
  if (!form) { return; }
  // Leaving the page (a language link, a mistaken tap) after typing asks first: a đơn can be long.
  var edited = false;
  form.addEventListener("input", function () { edited = true; });
  form.addEventListener("change", function () { edited = true; });
  document.addEventListener("submit", function (event) { if (!event.defaultPrevented) { edited = false; } });
  window.addEventListener("beforeunload", function (event) {
    if (edited) { event.preventDefault(); event.returnValue = ""; }
  });
  // An anonymous đơn keeps no identity: neither its sender's nor its representatives'.
  var blocks = ["identity-block", "representatives-block"].map(function (id) { return document.getElementById(id); });
  var radios = form.querySelectorAll("input[name='mode']");
  function update() {
    var anonymous = form.querySelector("input[name='mode'][value='anonymous']");
    var hide = anonymous && anonymous.checked && form.dataset.kind !== "complaint";
    blocks.forEach(function (block) { if (block) { block.classList.toggle("is-hidden", !!hide); } });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
  var detail = document.getElementById("sent_elsewhere_detail");
  var sent = document.getElementById("sent_elsewhere");
  if (detail && sent) {
    var wrap = detail.closest(".field");
    var toggle = function () { wrap.hidden = !sent.checked && !detail.value; };
    sent.addEventListener("change", toggle);
    toggle();
  }
}());
