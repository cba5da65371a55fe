/* Xietong desktop: every widget box loads on its own, so a slow or failing widget shows its
 * error in its own box and the rest of the desktop renders. Personal desktops reorder by drag
 * and drop (kept per user through PUT /api/v1/desktop/personal); the company desktop editor
 * arranges columns of widgets per role (PUT /api/v1/desktop/company). No framework needed. */
(function () {
  "use strict";
  var TIMEOUT_MS = 15000;

  function msg(root, name, fallback) {
    return (root && root.dataset["msg" + name]) || fallback;
  }

  function drawCharts(scope) {
    // the shell's chart loader (core/web/static/xietong.js) fetches ECharts on first use
    if (window.xietong && window.xietong.initCharts) { window.xietong.initCharts(scope); }
  }

  function showError(box, text, root) {
    var body = box.querySelector(".xt-widget-body");
    body.innerHTML = "";
    var alert = document.createElement("div");
    alert.className = "alert alert-warning mb-0 xt-widget-error";
    alert.setAttribute("role", "alert");
    alert.textContent = text + " ";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "btn btn-sm btn-link p-0";
    retry.textContent = msg(root, "Retry", "Retry");
    retry.addEventListener("click", function () { loadBox(box, root); });
    alert.appendChild(retry);
    body.appendChild(alert);
  }

  function loadBox(box, root) {
    var body = box.querySelector(".xt-widget-body");
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, TIMEOUT_MS);
    box.setAttribute("aria-busy", "true");
    fetch(box.dataset.src, {credentials: "same-origin", headers: {"Accept": "text/html"},
                            signal: controller ? controller.signal : undefined})
      .then(function (response) {
        return response.text().then(function (html) {
          if (!response.ok) {
            // The server's error fragment is ours and safe; anything else becomes plain text.
            if (html.indexOf("xt-widget-error") !== -1) { body.innerHTML = html; }
            else { showError(box, msg(root, "Error", "Could not load this widget."), root); }
            box.classList.add("xt-failed");
            return;
          }
          body.innerHTML = html;
          box.classList.remove("xt-failed");
          drawCharts(body);
        });
      })
      .catch(function (err) {
        var timedOut = err && err.name === "AbortError";
        showError(box, timedOut ? msg(root, "Timeout", "This widget took too long to load.")
                                : msg(root, "Error", "Could not load this widget."), root);
        box.classList.add("xt-failed");
      })
      .then(function () { clearTimeout(timer); box.setAttribute("aria-busy", "false"); });
  }

  function send(root, method, url, payload) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRF-Token": root.dataset.csrf || ""},
      body: payload === undefined ? undefined : JSON.stringify(payload)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.status === 204 ? null : response.json();
    });
  }

  function status(root, text) {
    var el = root.querySelector(".xt-status") || document.querySelector(".xt-status");
    if (el) { el.textContent = text; setTimeout(function () { el.textContent = ""; }, 3000); }
  }

  /* -- personal desktop: drag to reorder, add, remove ------------------------------------ */

  function personal(root) {
    var grid = root.querySelector("#xt-boxes");
    var dragged = null;

    function keys() {
      return Array.prototype.map.call(grid.querySelectorAll(".xt-widget"), function (b) {
        return b.dataset.key;
      });
    }
    function save(list, reload) {
      return send(root, "PUT", root.dataset.save, {widgets: list})
        .then(function () { status(root, msg(root, "Saved", "Saved")); if (reload) { location.reload(); } })
        .catch(function () { status(root, msg(root, "SaveFailed", "Could not save your desktop.")); });
    }
    grid.addEventListener("dragstart", function (e) {
      dragged = e.target.closest(".xt-widget");
      if (!dragged) { return; }
      dragged.classList.add("xt-dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged.dataset.key);
    });
    grid.addEventListener("dragover", function (e) {
      if (!dragged) { return; }
      e.preventDefault();
      var over = e.target.closest(".xt-widget");
      if (!over || over === dragged) { return; }
      var rect = over.getBoundingClientRect();
      var after = (e.clientY - rect.top) > rect.height / 2 || (e.clientX - rect.left) > rect.width / 2;
      grid.insertBefore(dragged, after ? over.nextSibling : over);
    });
    grid.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("xt-dragging");
      dragged = null;
      save(keys(), false);
    });
    grid.addEventListener("click", function (e) {
      var remove = e.target.closest(".xt-remove");
      if (remove) {
        var box = remove.closest(".xt-widget");
        save(keys().filter(function (k) { return k !== box.dataset.key; }), true);
      }
    });
    root.querySelectorAll(".xt-add").forEach(function (button) {
      button.addEventListener("click", function () { save(keys().concat([button.dataset.key]), true); });
    });
    var reset = root.querySelector("#xt-reset");
    if (reset) {
      reset.addEventListener("click", function () {
        send(root, "DELETE", reset.dataset.url).then(function () { location.reload(); });
      });
    }
  }

  /* -- company desktop editor ------------------------------------------------------------- */

  function arrange(root) {
    var holder = root.querySelector("#xt-columns");
    var role = root.querySelector("#xt-role");
    var titles = {};
    root.querySelectorAll("#xt-palette .xt-chip").forEach(function (chip) {
      titles[chip.dataset.key] = chip.textContent;
    });
    var dragged = null;

    function chip(key) {
      var li = document.createElement("li");
      li.className = "list-group-item xt-chip";
      li.draggable = true;
      li.dataset.key = key;
      li.textContent = titles[key] || key;
      return li;
    }
    function column(data) {
      var col = document.createElement("div");
      col.className = "col-12 col-lg-4";
      var box = document.createElement("div");
      box.className = "xt-column";
      var head = document.createElement("div");
      head.className = "d-flex gap-1 mb-2";
      [["title", msg(root, "Column", "Column title")], ["title_zh", "中文"]].forEach(function (pair) {
        var input = document.createElement("input");
        input.className = "form-control form-control-sm";
        input.name = pair[0];
        input.placeholder = pair[1];
        input.value = data[pair[0]] || "";
        head.appendChild(input);
      });
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "btn btn-sm btn-outline-danger";
      drop.title = msg(root, "Remove", "Remove column");
      drop.textContent = "✕";
      drop.addEventListener("click", function () { col.remove(); });
      head.appendChild(drop);
      var list = document.createElement("ul");
      list.className = "list-group xt-drop";
      list.dataset.placeholder = msg(root, "Drop", "Drop widgets here");
      (data.widgets || []).forEach(function (key) { list.appendChild(chip(key)); });
      box.appendChild(head);
      box.appendChild(list);
      col.appendChild(box);
      holder.appendChild(col);
    }
    function getJSON(url) {
      return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); });
    }
    function load() {
      getJSON(root.dataset.api + "?role=" + encodeURIComponent(role.value))
        .then(function (layout) {
          // nothing arranged yet: start from what people see now (one column per module)
          return (layout.columns && layout.columns.length) ? layout : getJSON(root.dataset.api);
        })
        .then(function (layout) {
          holder.innerHTML = "";
          (layout.columns || []).forEach(column);
          if (!holder.children.length) { column({title: "", widgets: []}); }
        });
    }
    function collect() {
      return Array.prototype.map.call(holder.querySelectorAll(".xt-column"), function (box) {
        return {
          title: box.querySelector("input[name=title]").value || "-",
          title_zh: box.querySelector("input[name=title_zh]").value,
          widgets: Array.prototype.map.call(box.querySelectorAll(".xt-chip"), function (c) { return c.dataset.key; })
        };
      });
    }
    root.addEventListener("dragstart", function (e) {
      dragged = e.target.closest(".xt-chip");
      if (dragged) { e.dataTransfer.setData("text/plain", dragged.dataset.key); }
    });
    root.addEventListener("dragover", function (e) {
      if (dragged && e.target.closest(".xt-drop, .xt-palette")) { e.preventDefault(); }
    });
    root.addEventListener("drop", function (e) {
      var target = e.target.closest(".xt-drop, .xt-palette");
      if (!dragged || !target) { return; }
      e.preventDefault();
      var fromPalette = dragged.closest(".xt-palette");
      if (target.classList.contains("xt-palette")) {
        if (!fromPalette) { dragged.remove(); }
      } else {
        holder.querySelectorAll('.xt-chip[data-key="' + CSS.escape(dragged.dataset.key) + '"]')
          .forEach(function (old) { if (old !== dragged) { old.remove(); } });
        var node = fromPalette ? chip(dragged.dataset.key) : dragged;
        var over = e.target.closest(".xt-chip");
        target.insertBefore(node, over && over.parentNode === target ? over : null);
      }
      dragged = null;
    });
    root.querySelector("#xt-add-column").addEventListener("click", function () { column({widgets: []}); });
    root.querySelector("#xt-save").addEventListener("click", function () {
      send(root, "PUT", root.dataset.api, {role: role.value || null, columns: collect()})
        .then(function () { status(root, msg(root, "Saved", "Saved")); })
        .catch(function () { status(root, msg(root, "SaveFailed", "Could not save the layout.")); });
    });
    root.querySelector("#xt-delete").addEventListener("click", function () {
      send(root, "DELETE", root.dataset.api + "?role=" + encodeURIComponent(role.value))
        .then(function () { status(root, msg(root, "Reset", "Removed.")); load(); })
        .catch(function () { load(); });
    });
    role.addEventListener("change", load);
    load();
  }

  /* -- the announcement editor: a small contenteditable over the textarea ------------------ */

  function richEditor(form) {
    var source = form.querySelector(".xt-rich-source");
    var editor = form.querySelector(".xt-rich-editor");
    var toolbar = form.querySelector(".xt-rich-toolbar");
    if (!source || !editor || !document.execCommand) { return; }
    editor.innerHTML = source.value;  // cleaned on the server before it is shown here
    source.classList.add("d-none");
    editor.classList.remove("d-none");
    toolbar.classList.remove("d-none");
    toolbar.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-cmd]");
      if (!button) { return; }
      var value = button.dataset.cmd === "createLink" ? prompt("URL", "https://") : null;
      document.execCommand(button.dataset.cmd, false, value);
      editor.focus();
    });
    form.addEventListener("submit", function () { source.value = editor.innerHTML; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".xt-desktop").forEach(function (root) {
      root.querySelectorAll(".xt-widget[data-src]").forEach(function (box) { loadBox(box, root); });
      root.addEventListener("click", function (e) {
        var reload = e.target.closest(".xt-reload");
        if (reload) { loadBox(reload.closest(".xt-widget"), root); }
      });
    });
    var mine = document.getElementById("xt-personal");
    if (mine) { personal(mine); }
    var editor = document.getElementById("xt-arrange");
    if (editor) { arrange(editor); }
    document.querySelectorAll(".xt-announcement-form").forEach(richEditor);
  });
})();
