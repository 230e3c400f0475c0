// Small progressive enhancements; every page works without them.
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el.matches && el.matches("select[data-autosubmit]")) el.form.requestSubmit();
});

// Inbox workspace: keyboard shortcuts, the "typing a reply" flag sent with
// presence heartbeats, and the canned-response search box.
(function () {
  function typingInField(e) {
    var t = e.target;
    if (!t || !t.tagName) return false;
    var tag = t.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }
  function help(show) {
    var h = document.getElementById("kbd-help");
    if (!h) return false;
    h.hidden = show === undefined ? !h.hidden : !show;
    if (!h.hidden) {
      var b = h.querySelector("[data-kbd-close]");
      if (b) b.focus();
    }
    return true;
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.inbox-row")); }
  function move(step) {
    var rs = rows();
    if (!rs.length) return false;
    var i = rs.findIndex(function (r) { return r.classList.contains("kbd-current"); });
    if (i >= 0) rs[i].classList.remove("kbd-current");
    i = i < 0 ? 0 : Math.min(rs.length - 1, Math.max(0, i + step));
    rs[i].classList.add("kbd-current");
    rs[i].scrollIntoView({ block: "nearest" });
    var a = rs[i].querySelector("a[href^='/inbox/']");
    if (a) a.focus({ preventScroll: true });
    return true;
  }
  function open() {
    var r = document.querySelector("tr.inbox-row.kbd-current");
    var a = r && r.querySelector("a[href^='/inbox/']");
    if (!a) return false;
    window.location.assign(a.href);
    return true;
  }
  function focus(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    var d = el.closest("details");
    if (d) d.open = true;
    el.focus();
    el.scrollIntoView({ block: "center" });
    return true;
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && help(false)) return;
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing || typingInField(e)) return;
    var done = false;
    switch (e.key) {
      case "j": done = move(1); break;
      case "k": done = move(-1); break;
      case "o": done = open(); break;
      case "Enter":
        // Only from the list itself: Enter on a button or link elsewhere keeps its meaning.
        var ae = document.activeElement;
        if (ae === document.body || (ae && ae.closest && ae.closest("tr.inbox-row.kbd-current"))) done = open();
        break;
      case "r": done = focus("reply-text"); break;
      case "n": done = focus("note-text"); break;
      case "s": done = focus("snooze-until"); break;
      case "e":
        var f = document.getElementById("kbd-resolve");
        if (f) { f.requestSubmit(); done = true; }
        break;
      case "?": done = help(); break;
    }
    if (done) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) return;
    if (t.closest("[data-kbd-close]")) help(false);
    else if (t.closest("[data-kbd-open]")) help(true);
  });

  // Typing a reply: the flag stays up for a few seconds after the last key.
  var typingTimer = null;
  document.addEventListener("input", function (e) {
    if (!e.target || e.target.id !== "reply-text") return;
    var flag = document.getElementById("presence-typing");
    if (!flag) return;
    flag.value = "1";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { flag.value = "0"; }, 8000);
  });

  // Enter in the canned search picks the first match instead of sending the reply.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target || e.target.id !== "canned-q") return;
    e.preventDefault();
    var first = document.querySelector("#canned-results a.canned-pick");
    if (first) first.click();
  });
})();
