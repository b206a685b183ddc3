/* Asks before a review is filed: the form's answers are shown in a <dialog>, and confirming submits
   them with `confirmed` set, so the server files at once. Without this script (or without <dialog>)
   the server shows the same summary as a page. Anything the server must say first (a missing
   field, a verdict the recommendation contradicts) goes to the server without the dialog. */
(function () {
  "use strict";

  function chosen(form, name) {
    var field = form.elements[name];
    if (!field) return { value: "", label: "" };
    if (field.tagName === "SELECT") {
      var option = field.options[field.selectedIndex];
      return { value: field.value, label: option ? option.text.trim() : "" };
    }
    if (field.tagName === "TEXTAREA" || field.tagName === "INPUT") {
      return { value: field.value.trim(), label: field.value.trim() };
    }
    // A group of radio buttons: the checked one and the text of its label.
    var radios = Array.prototype.filter.call(field, function (radio) { return radio.checked; });
    if (!radios.length) return { value: "", label: "" };
    var label = radios[0].closest("label");
    return { value: radios[0].value, label: label ? label.textContent.trim() : radios[0].value };
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm-dialog]"), function (form) {
    var dialog = document.getElementById(form.dataset.confirmDialog);
    var confirmed = form.querySelector('input[name="confirmed"]');
    if (!dialog || !confirmed || typeof dialog.showModal !== "function") return;
    var mismatches = (form.dataset.mismatches || "").split(" ").filter(Boolean);
    var opener = null;

    form.addEventListener("submit", function (event) {
      if (confirmed.value) return;
      var verdict = chosen(form, "verdict");
      var recommendation = chosen(form, "recommendation");
      if (!verdict.value || !recommendation.value || !chosen(form, "summary").value) return;
      var tick = form.elements.mismatch_confirmed;
      if (mismatches.indexOf(verdict.value + ":" + recommendation.value) !== -1 && !(tick && tick.checked)) return;

      event.preventDefault();
      opener = event.submitter || document.activeElement;
      ["verdict", "recommendation", "summary", "loss_reasons"].forEach(function (name) {
        var slot = dialog.querySelector('[data-summary="' + name + '"]');
        if (slot) slot.textContent = chosen(form, name).label || "—";
      });
      dialog.showModal();
      dialog.querySelector('[data-action="confirm"]').focus();
    });

    dialog.querySelector('[data-action="confirm"]').addEventListener("click", function () {
      confirmed.value = "1";
      dialog.close();
      form.submit();
    });
    dialog.querySelector('[data-action="back"]').addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (!confirmed.value && opener) opener.focus();
    });
  });
})();
