// Submit a filter form as soon as a control marked data-autosubmit changes. A static
// file rather than onchange="..." attributes: the Content-Security-Policy forbids those.
document.addEventListener("change", function (event) {
  var control = event.target;
  if (control && control.hasAttribute && control.hasAttribute("data-autosubmit") && control.form) {
    control.form.submit();
  }
});

// Ask before a form marked data-confirm="question" is sent (instead of onsubmit="...").
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
