/* SIPABES: the registration form keeps working without signal.
 *
 * Each saved registration goes into IndexedDB with an idempotency key made
 * here; the queue is sent when the browser is online (at once, on the
 * "online" event and every 20 s). The server runs each key once and answers
 * a retry with the first answer, so a lost answer or a second tab never
 * makes two rows. A conflict (NIK registered meanwhile) or bad input stays
 * on its item with the server's message: nothing is lost.
 * The service worker (/sipabes/sw.js) serves this page from cache offline.
 */
(function () {
  "use strict";

  var queueBox = document.getElementById("sipabes-queue");
  var form = document.getElementById("sipabes-form");
  if (!queueBox || !form) return;

  var DB_NAME = "sipabes", STORE = "queue";
  var visit = queueBox.getAttribute("data-visit");
  var submitUrl = queueBox.getAttribute("data-submit-url");
  var list = document.getElementById("sipabes-items");
  var waitingLabel = document.getElementById("sipabes-waiting");
  var sendButton = document.getElementById("sipabes-send");
  var netBanner = document.getElementById("sipabes-net");
  var formStatus = document.getElementById("sipabes-form-status");
  var pageToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  // The cookie is the current token even when the page came from the cache
  // after the officer signed in again (a new token); the page's is the fallback.
  function csrf() {
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return found ? decodeURIComponent(found[1]) : pageToken;
  }
  var sending = false;

  // ---- IndexedDB -------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("visit", "visit");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function allItems() {
    return tx("readonly", function (store) { return store.index("visit").getAll(visit); })
      .then(function (items) {
        return (items || []).sort(function (a, b) { return a.created - b.created; });
      });
  }

  function putItem(item) { return tx("readwrite", function (store) { store.put(item); }); }
  function deleteItem(key) { return tx("readwrite", function (store) { store.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // ---- The list -----------------------------------------------------------
  function label(name) { return list.getAttribute("data-label-" + name) || name; }

  function render() {
    return allItems().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
      waitingLabel.textContent = waiting
        ? waitingLabel.getAttribute("data-template-waiting").replace("{n}", waiting)
        : waitingLabel.getAttribute("data-template-none");
      sendButton.hidden = !waiting;
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "sipabes-item sipabes-item-" + item.state + " border-top py-1";
        li.setAttribute("data-key", item.key);
        var title = document.createElement("strong");
        title.textContent = item.data.business_name || item.data.name || "?";
        li.appendChild(title);
        var state = document.createElement("span");
        state.className = "ms-1 badge " + ({ waiting: "text-bg-warning", sent: "text-bg-success",
          conflict: "text-bg-danger", error: "text-bg-danger" }[item.state] || "text-bg-light");
        state.textContent = label(item.state);
        li.appendChild(state);
        if (item.message) {
          var msg = document.createElement("div");
          msg.className = "sipabes-item-message";
          msg.textContent = item.message;
          li.appendChild(msg);
        }
        var actions = document.createElement("div");
        if (item.url) actions.appendChild(link(item.url, item.state === "sent" ? label("open") : label("existing")));
        if (item.state === "error" || item.state === "conflict") {
          if (item.state === "error") actions.appendChild(button(label("edit"), function () { editItem(item); }));
          actions.appendChild(button(label("remove"), function () { deleteItem(item.key).then(render); }));
        }
        if (actions.childNodes.length) li.appendChild(actions);
        list.appendChild(li);
      });
    });
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href; a.textContent = text; a.className = "me-2";
    return a;
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "btn btn-link btn-sm p-0 me-2"; b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // ---- Form <-> data ------------------------------------------------------
  function readForm() {
    var data = {};
    ["nik", "name", "phone", "email", "home_address", "business_name", "block",
     "stall_number", "capital", "workers"].forEach(function (name) {
      data[name] = form.elements[name].value.trim();
    });
    data.kbli = Array.prototype.map.call(form.querySelectorAll("input[name=kbli]:checked"),
      function (el) { return el.value; });
    data.consent = form.elements.consent.checked;
    return data;
  }

  function fillForm(data) {
    Object.keys(data).forEach(function (name) {
      var el = form.elements[name];
      if (!el || name === "kbli" || name === "consent") return;
      el.value = data[name];
    });
    form.querySelectorAll("input[name=kbli]").forEach(function (el) {
      el.checked = (data.kbli || []).indexOf(el.value) !== -1;
    });
    form.elements.consent.checked = !!data.consent;
    updateScale();
  }

  function editItem(item) {
    fillForm(item.data);
    showErrors(item.errors || {});
    deleteItem(item.key).then(render);
    form.scrollIntoView();
  }

  function showErrors(errors) {
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    Object.keys(errors).forEach(function (name) {
      var box = form.querySelector("[data-error-for='" + name + "']");
      if (box) box.textContent = errors[name].join(" ");
      var input = form.elements[name];
      if (input && input.classList) input.classList.add("is-invalid");
    });
  }

  // Checks the page can make without the server; the server checks all again.
  function localErrors(data) {
    var errors = {};
    function need(name, text) { if (!data[name]) errors[name] = [text]; }
    var req = form.getAttribute("data-required") || "Wajib diisi.";
    ["nik", "name", "home_address", "business_name", "capital", "workers"].forEach(function (n) { need(n, req); });
    var nik = data.nik.replace(/[\s.\-]/g, "");
    if (data.nik && !/^\d{16}$/.test(nik)) errors.nik = [form.getAttribute("data-nik-length") || "NIK harus 16 angka."];
    if (!data.kbli.length) errors.kbli = [form.getAttribute("data-kbli-required") || "Pilih sedikitnya satu KBLI."];
    if (!data.consent) errors.consent = [form.getAttribute("data-consent-required") || "Persetujuan wajib."];
    if (scaleOf(data.capital) === "besar") errors.capital = [document.getElementById("sipabes-scale").getAttribute("data-label-besar")];
    return errors;
  }

  // ---- Scale shown as derived -----------------------------------------------
  var scaleBox = document.getElementById("sipabes-scale");
  function scaleOf(text) {
    var digits = String(text || "").replace(/^rp/i, "").replace(/[\s.,]/g, "");
    if (!/^\d+$/.test(digits)) return "";
    var value = Number(digits);
    if (value <= Number(form.getAttribute("data-mikro"))) return "mikro";
    if (value <= Number(form.getAttribute("data-kecil"))) return "kecil";
    if (value <= Number(form.getAttribute("data-menengah"))) return "menengah";
    return "besar";
  }
  function updateScale() {
    var scale = scaleOf(form.elements.capital.value);
    scaleBox.textContent = scale ? scaleBox.getAttribute("data-label-" + scale) : "";
    scaleBox.className = "small " + (scale === "besar" ? "text-danger fw-semibold" : "text-body-secondary");
  }
  form.elements.capital.addEventListener("input", updateScale);

  // ---- Saving and sending --------------------------------------------------
  function say(text, kind) {
    formStatus.hidden = !text;
    formStatus.className = "alert py-2 small alert-" + (kind || "info");
    formStatus.textContent = text || "";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = readForm();
    var errors = localErrors(data);
    showErrors(errors);
    if (Object.keys(errors).length) {
      say(form.getAttribute("data-fix") || "Periksa isian yang ditandai.", "danger");
      return;
    }
    var item = { key: newKey(), visit: visit, data: data, state: "waiting", created: Date.now() };
    putItem(item).then(function () {
      form.reset();
      form.querySelectorAll("input[name=kbli]").forEach(function (el) { el.checked = false; });
      // The KBLI filter follows its (now empty) search box again.
      var search = document.getElementById("kbli-search");
      if (search) search.dispatchEvent(new Event("input"));
      updateScale();
      say(form.getAttribute("data-saved") || "Tersimpan.", "success");
      return render();
    }).then(flush);
  });

  function sendOne(item) {
    return fetch(submitUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": item.key,
                 "Accept": "application/json" },
      body: JSON.stringify(item.data)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 201) {
          item.state = "sent";
          delete item.errors; item.url = body.url; item.message = body.receipt_code ? "#" + body.receipt_code : "";
        } else if (response.status === 409) {
          item.state = "conflict"; item.message = body.message; item.url = body.existing_url || "";
        } else if (response.status === 400 || response.status === 422) {
          item.state = "error"; item.errors = body.errors || {};
          item.message = Object.keys(item.errors).map(function (k) { return item.errors[k].join(" "); }).join(" ");
        } else if (response.status === 403 || response.redirected) {
          // Signed out (the session ended): keep it waiting, say so.
          item.message = label("login");
          return putItem(item).then(function () { throw new Error("signed out"); });
        } else {
          // 5xx, a proxy page: keep it waiting and try again later.
          throw new Error("HTTP " + response.status);
        }
        return putItem(item);
      });
    });
  }

  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return allItems().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; });
      return waiting.reduce(function (chain, item) {
        return chain.then(function () { return sendOne(item); });
      }, Promise.resolve());
    }).catch(function () { /* offline again or server down: the next try resends */ })
      .then(function () { sending = false; return render(); });
  }

  function network() {
    netBanner.hidden = navigator.onLine;
    if (navigator.onLine) flush();
  }

  window.addEventListener("online", network);
  window.addEventListener("offline", network);
  sendButton.addEventListener("click", flush);
  setInterval(function () { if (navigator.onLine) flush(); }, 20000);

  // ---- Service worker: cache this page and its files for offline use -------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(queueBox.getAttribute("data-sw-url"), { scope: "/sipabes/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var urls = [location.pathname];
        document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]").forEach(function (el) {
          urls.push(el.getAttribute("src") || el.getAttribute("href"));
        });
        // What the stylesheets pulled in (icon fonts, images) as well.
        (performance.getEntriesByType("resource") || []).forEach(function (entry) {
          var url = new URL(entry.name);
          if (url.origin === location.origin && url.pathname.indexOf("/static/") === 0) {
            urls.push(url.pathname + url.search);
          }
        });
        if (registration.active) registration.active.postMessage({ type: "cache", urls: urls });
      }).catch(function () { /* the page still works online */ });
  }

  updateScale();
  network();
  render();
})();
