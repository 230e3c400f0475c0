// Small progressive enhancements; every page works without them.
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el.matches && el.matches("select[data-autosubmit]")) el.form.requestSubmit();
});
