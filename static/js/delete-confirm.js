/* Asks before something is deleted: a "Delete" link with data-delete-dialog="<id>" opens that
   <dialog>, whose form posts to the link's address; the link's data-summary names what goes. Without
   this script (or without <dialog>) the link leads to a confirmation page that does the same. */
(function () {
  "use strict";

  var opener = null;
  var prepared = [];

  function prepare(dialog) {
    if (prepared.indexOf(dialog) >= 0) return;
    prepared.push(dialog);
    dialog.querySelector('[data-action="back"]').addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (opener) opener.focus();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("a[data-delete-dialog]"), function (link) {
    var dialog = document.getElementById(link.dataset.deleteDialog);
    if (!dialog || typeof dialog.showModal !== "function") return;
    prepare(dialog);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      opener = link;
      dialog.querySelector("form").action = link.href;
      dialog.querySelector("[data-summary]").textContent = link.dataset.summary || "";
      dialog.showModal();
      dialog.querySelector('button[type="submit"]').focus();
    });
  });
})();
