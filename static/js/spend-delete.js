/* Asks before a spend row is deleted: the row's "Delete" link opens a <dialog> whose form posts to the
   link's address. Without this script (or without <dialog>) the link leads to a confirmation page
   that does the same. */
(function () {
  "use strict";

  var dialog = document.getElementById("spend-delete-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var form = dialog.querySelector("form");
  var summary = dialog.querySelector("[data-summary]");
  var opener = null;

  Array.prototype.forEach.call(document.querySelectorAll("a[data-spend-delete]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      opener = link;
      form.action = link.href;
      summary.textContent = link.dataset.summary || "";
      dialog.showModal();
      dialog.querySelector('button[type="submit"]').focus();
    });
  });

  dialog.querySelector('[data-action="back"]').addEventListener("click", function () {
    dialog.close();
  });
  dialog.addEventListener("close", function () {
    if (opener) opener.focus();
  });
})();
