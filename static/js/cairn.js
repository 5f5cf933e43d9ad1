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

// Drag and drop badge files anywhere on a [data-dropzone] element: the
// files go into its file input, as if chosen with the picker (which works
// without script too).
(function () {
  "use strict";
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input || !window.DataTransfer) {
      return;
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        var label = zone.querySelector("[data-dropzone-count]");
        if (label) {
          label.textContent = event.dataTransfer.files.length + " file(s) ready to import";
        }
      }
    });
  });
})();
