// Cairn's only script: small progressive enhancements. Every page works
// without it; the Content-Security-Policy forbids inline script, so all
// behaviour lives here and is attached through data- attributes.
(function () {
  "use strict";

  // <form data-confirm="Revoke this token?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // <button data-copy="#id"> copies the text of the element it names.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
})();

// Live preview in the post editor: <form data-preview="/admin/posts/preview">
// sends the Markdown (with the form's CSRF token) as the owner types and
// shows the server's sanitised rendering in #preview. Without script, the
// editor's Preview button does the same with a full page load.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  var target = document.getElementById("preview");
  if (!form || !target || !window.fetch) {
    return;
  }
  var content = form.querySelector("textarea[name=content]");
  var token = form.querySelector("input[name=csrf]");
  var timer = null;
  var latest = 0;
  function render() {
    var seq = ++latest;
    var body = new URLSearchParams();
    body.set("content", content.value);
    fetch(form.getAttribute("data-preview"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.value : "" },
      body: body
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      // Only the newest answer wins; the HTML is sanitised by the server.
      if (html !== null && seq === latest) {
        target.innerHTML = html;
      }
    }).catch(function () {});
  }
  content.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 250);
  });
})();
