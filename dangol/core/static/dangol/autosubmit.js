// Submit a filter form as soon as a control marked data-autosubmit changes. A static
// file rather than onchange="..." attributes: the Content-Security-Policy forbids those.
document.addEventListener("change", function (event) {
  var control = event.target;
  if (control && control.hasAttribute && control.hasAttribute("data-autosubmit") && control.form) {
    control.form.submit();
  }
});
