// Progressive enhancement: check the chosen files against the portal's limits before sending, so a
// form is never replaced by the "too large" error page and nothing typed is lost. The server checks
// again; without JavaScript the error page tells the citizen to go back.
(function () {
  "use strict";
  // A function, not a string: a file name with "$&" must not be read as a replacement pattern.
  function fill(template, name) { return template.replace("{name}", function () { return name; }); }
  document.querySelectorAll("form[data-max-total]").forEach(function (form) {
    var maxFile = Number(form.dataset.maxFile), maxTotal = Number(form.dataset.maxTotal);
    var maxFiles = Number(form.dataset.maxFiles);
    form.addEventListener("submit", function (event) {
      var problems = [], total = 0, count = 0, first = null;
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        var bad = false;
        Array.prototype.forEach.call(input.files || [], function (file) {
          count += 1;
          total += file.size;
          if (file.size > maxFile) { problems.push(fill(form.dataset.msgFile, file.name)); bad = true; }
        });
        input.setAttribute("aria-invalid", bad ? "true" : "false");
        if (bad && !first) { first = input; }
        if (!first && (input.files || []).length) { first = input; }
      });
      if (count > maxFiles) { problems.push(form.dataset.msgCount); }
      if (total > maxTotal) { problems.push(form.dataset.msgTotal); }
      var box = form.querySelector(".upload-limit-error");
      if (!problems.length) { if (box) { box.remove(); } return; }
      event.preventDefault();
      if (!box) {
        box = document.createElement("div");
        box.className = "error-summary upload-limit-error";
        box.setAttribute("role", "alert");
        box.tabIndex = -1;
        var anchor = first ? first.closest(".field") : null;
        (anchor || form).insertAdjacentElement(anchor ? "beforebegin" : "afterbegin", box);
      }
      box.textContent = "";
      var list = document.createElement("ul");
      problems.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      box.appendChild(list);
      box.focus();
    });
  });
}());
