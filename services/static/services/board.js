/*
 * The hall's display board: polls the board API every second, redraws the
 * board and announces each new call (a chime, then Indonesian speech).
 *
 * - Data is written with textContent only; nothing from the API becomes HTML.
 * - Announcements go through one FIFO queue: the next starts only when the
 *   previous utterance has ended (or a safety timeout passed, because some
 *   engines never fire 'end'), so no call cuts another one off.
 * - On load nothing is announced: the calls already on the page are old news.
 *
 * board-chime.wav is generated locally (Python wave module: C5-E5-G5-C6 bell
 * tones with exponential decay, 2.2 s, 22.05 kHz mono), no third-party audio.
 *
 * window.MPPBoard.announcementText(code, counterNumber) is the pure builder of
 * the spoken sentence; services/web/board.py announcement_text() must agree.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var MAX_BACKOFF_MS = 10000;
  var CHIME_TIMEOUT_MS = 4000;
  // Past these counts the lists switch to smaller tiles/two columns (board.css).
  var DENSE_COUNTERS = 8;
  var CROWDED_COUNTERS = 18;
  var DENSE_WAITING = 5;
  var CROWDED_WAITING = 10;
  // The recent list shows this many calls below the big one (it fits 768 px).
  var RECENT = 6;

  var DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
    "sembilan"];
  var UNITS = DIGITS.concat(["sepuluh", "sebelas"]);

  // -- Pure text builders (same rules as mpp_portal.documents.formatting) --

  function terbilang(n) {
    n = Math.floor(Number(n));
    if (!isFinite(n) || n < 0) return String(n);
    if (n < 12) return UNITS[n];
    if (n < 20) return UNITS[n - 10] + " belas";
    if (n < 100) return join(UNITS[Math.floor(n / 10)] + " puluh", n % 10);
    if (n < 1000) {
      var h = Math.floor(n / 100);
      return join(h === 1 ? "seratus" : UNITS[h] + " ratus", n % 100);
    }
    if (n < 1000000) {
      var k = Math.floor(n / 1000);
      return join(k === 1 ? "seribu" : terbilang(k) + " ribu", n % 1000);
    }
    return String(n);
  }

  function join(head, rest) {
    return rest === 0 ? head : head + " " + terbilang(rest);
  }

  // "DK-105" -> "D K satu nol lima": letters spelled, digits one by one.
  function spokenCode(code) {
    var words = [];
    String(code).toUpperCase().split("").forEach(function (ch) {
      if (ch >= "0" && ch <= "9") words.push(DIGITS[Number(ch)]);
      else if (ch >= "A" && ch <= "Z") words.push(ch);
    });
    return words.join(" ");
  }

  function announcementText(code, counterNumber) {
    return "Nomor antrean " + spokenCode(code) + ", silakan menuju loket " +
      terbilang(counterNumber);
  }

  // -- Page ---------------------------------------------------------------

  var root = document.getElementById("board");
  if (!root) {
    window.MPPBoard = { announcementText: announcementText, spokenCode: spokenCode,
      terbilang: terbilang };
    return;
  }
  var strings = JSON.parse(document.getElementById("board-strings").textContent);
  var apiUrl = root.dataset.apiUrl;
  var etag = null;
  var lastSeenId = root.dataset.lastCallId ? Number(root.dataset.lastCallId) : 0;
  var failures = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function counterLabel(number) {
    return strings.counter.replace("%(number)s", String(number));
  }

  function replaceChildren(parent, children) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    children.forEach(function (child) { parent.appendChild(child); });
  }

  function renderNow(call) {
    var panel = document.getElementById("board-now");
    panel.classList.toggle("is-empty", !call);
    document.getElementById("board-now-code").textContent = call ? call.code : "—";
    document.getElementById("board-now-counter").textContent =
      call ? counterLabel(call.counter_number) : strings.noCalls;
    document.getElementById("board-now-service").textContent = call ? call.service : "";
    document.getElementById("board-now-recall").hidden = !(call && call.is_recall);
    document.getElementById("board-now-booked").hidden = !(call && call.booked);
    document.getElementById("board-now-text").textContent =
      call ? announcementText(call.code, call.counter_number) : "";
  }

  function renderRecent(calls) {
    var items = calls.map(function (call) {
      var li = el("li", "board-row");
      li.appendChild(el("span", "board-row-code", call.code));
      if (call.is_recall) li.appendChild(el("span", "board-badge", strings.recall));
      if (call.booked) li.appendChild(el("span", "board-badge board-badge-booked", strings.booked));
      li.appendChild(el("span", "board-row-counter", counterLabel(call.counter_number)));
      return li;
    });
    if (!items.length) items = [el("li", "board-row board-empty", strings.noRecent)];
    replaceChildren(document.getElementById("board-recent"), items);
  }

  function renderCounters(counters) {
    var items = counters.map(function (counter) {
      var li = el("li", "board-counter" + (counter.ticket ? " is-busy" : "") +
        (counter.paused ? " is-paused" : ""));
      li.appendChild(el("span", "board-counter-name", counterLabel(counter.number)));
      li.appendChild(el("span", "board-counter-agency", counter.agency));
      li.appendChild(el("span", "board-counter-ticket",
        counter.paused ? strings.paused : (counter.ticket || "—")));
      return li;
    });
    if (!items.length) items = [el("li", "board-empty", strings.noCounters)];
    var grid = document.getElementById("board-counters");
    grid.classList.toggle("is-dense", counters.length > DENSE_COUNTERS);
    grid.classList.toggle("is-crowded", counters.length > CROWDED_COUNTERS);
    replaceChildren(grid, items);
  }

  function renderWaiting(rows) {
    var items = rows.map(function (row) {
      var li = el("li", "board-row");
      li.appendChild(el("span", "board-row-code", row.code));
      var service = el("span", "board-row-service", row.service);
      service.appendChild(el("small", null, row.agency));
      li.appendChild(service);
      li.appendChild(el("span", "board-row-count", row.waiting));
      return li;
    });
    if (!items.length) items = [el("li", "board-row board-empty", strings.noWaiting)];
    var list = document.getElementById("board-waiting");
    list.classList.toggle("is-dense", rows.length > DENSE_WAITING);
    list.classList.toggle("is-crowded", rows.length > CROWDED_WAITING);
    replaceChildren(list, items);
  }

  function render(board) {
    var calls = board.calls || [];
    renderNow(calls[0] || null);
    renderRecent(calls.slice(1, 1 + RECENT));
    renderCounters(board.counters || []);
    renderWaiting(board.waiting || []);
    renderTicker(board.announcement || "");
    renderTransfers(board.transfers || []);
  }

  function renderTransfers(rows) {
    var list = document.getElementById("board-transfers");
    replaceChildren(list, rows.map(function (row) {
      var li = el("li", "board-row");
      li.appendChild(el("span", "board-row-code", row.code));
      li.appendChild(el("span", "board-badge board-badge-transfer", strings.transferred));
      li.appendChild(el("span", "board-row-counter", row.service));
      return li;
    }));
    list.hidden = !rows.length;
  }

  function renderTicker(text) {
    var ticker = document.getElementById("board-ticker");
    var line = document.getElementById("board-ticker-text");
    if (line.textContent !== text) line.textContent = text;
    ticker.hidden = !text;
  }

  function flash() {
    var panel = document.getElementById("board-now");
    panel.classList.remove("is-new");
    void panel.offsetWidth; // restart the CSS animation
    panel.classList.add("is-new");
  }

  // Queue every call newer than the last one seen, oldest first.
  function announceNew(calls) {
    var fresh = calls.filter(function (call) { return call.id > lastSeenId; });
    fresh.sort(function (a, b) { return a.id - b.id; });
    fresh.forEach(function (call) {
      enqueue(announcementText(call.code, call.counter_number));
      lastSeenId = call.id;
    });
    if (fresh.length) flash();
  }

  function setStatus(state) {
    var status = document.getElementById("board-status");
    status.dataset.state = state;
    status.textContent = state === "ok" ? strings.ok : strings.offline;
  }

  function schedule(ms) {
    window.setTimeout(poll, ms);
  }

  function poll() {
    var headers = {};
    if (etag) headers["If-None-Match"] = etag;
    fetch(apiUrl, { cache: "no-store", headers: headers, credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (response.status === 429) {
          var wait = Number(response.headers.get("Retry-After")) || 5;
          throw { retryMs: Math.min(wait, 60) * 1000 };
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (board) {
        failures = 0;
        setStatus("ok");
        if (board) {
          render(board);
          announceNew(board.calls || []);
        }
        schedule(POLL_MS);
      })
      .catch(function (error) {
        failures += 1;
        setStatus("offline");
        var wait = error && error.retryMs ? error.retryMs
          : Math.min(POLL_MS * Math.pow(2, failures - 1), MAX_BACKOFF_MS);
        schedule(wait);
      });
  }

  // -- Sound --------------------------------------------------------------

  var chime = new Audio(root.dataset.chimeUrl);
  chime.preload = "auto";
  var queue = [];
  var busy = false;

  function playChime() {
    return new Promise(function (resolve) {
      var done = false;
      function finish() {
        if (done) return;
        done = true;
        chime.removeEventListener("ended", finish);
        chime.removeEventListener("error", finish);
        resolve();
      }
      chime.addEventListener("ended", finish);
      chime.addEventListener("error", finish);
      window.setTimeout(finish, CHIME_TIMEOUT_MS);
      try {
        chime.currentTime = 0;
        var played = chime.play();
        // Blocked (no gesture yet) or no audio device: speak anyway.
        if (played && played.catch) played.catch(finish);
      } catch (e) {
        finish();
      }
    });
  }

  function indonesianVoice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices() || [];
    return voices.find(function (v) { return /^id([-_]|$)/i.test(v.lang); }) || null;
  }

  function speak(text) {
    return new Promise(function (resolve) {
      if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") {
        resolve();
        return;
      }
      var done = false;
      var timer = null;
      function finish() {
        if (done) return;
        done = true;
        window.clearTimeout(timer);
        resolve();
      }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "id-ID";
      var voice = indonesianVoice();
      if (voice) utterance.voice = voice;
      utterance.rate = 0.9;
      utterance.onend = finish;
      utterance.onerror = finish;
      // About 0.15 s per character at rate 0.9, plus slack; 'end' normally wins.
      timer = window.setTimeout(finish, 4000 + text.length * 150);
      window.speechSynthesis.speak(utterance);
    });
  }

  function next() {
    if (busy || !queue.length) return;
    busy = true;
    var text = queue.shift();
    playChime()
      .then(function () { return speak(text); })
      .then(function () {
        busy = false;
        next();
      });
  }

  function enqueue(text) {
    queue.push(text);
    next();
  }

  function soundIsOn() {
    document.getElementById("board-unlock").hidden = true;
    var sound = document.getElementById("board-sound");
    sound.textContent = strings.soundOn;
    sound.dataset.state = "on";
  }

  function soundIsBlocked() {
    // A small notice in a corner: the board stays fully readable, and a
    // touch, a click or the remote's Enter switches the sound on.
    var notice = document.getElementById("board-unlock");
    notice.hidden = false;
    document.getElementById("board-unlock-button").focus();
  }

  function tryAutoplay() {
    // A wall TV has no mouse: try to play first. A silent play of the chime
    // tells whether the browser lets this page sound without a gesture
    // (kiosk mode with --autoplay-policy=no-user-gesture-required, or a
    // site the browser already trusts); only a NotAllowedError means no.
    var volume = chime.volume;
    chime.volume = 0;
    function restore() {
      chime.pause();
      chime.currentTime = 0;
      chime.volume = volume;
    }
    var played;
    try {
      played = chime.play();
    } catch (e) {
      restore();
      soundIsBlocked();
      return;
    }
    if (!played || !played.then) {
      restore();
      soundIsOn();
      return;
    }
    played.then(function () {
      restore();
      soundIsOn();
    }, function (error) {
      restore();
      if (error && error.name === "NotAllowedError") soundIsBlocked();
      else soundIsOn();  // no audio device or no file: the policy did not refuse
    });
  }

  function unlock() {
    // The click is the user gesture that lets this page play sound from now on.
    chime.currentTime = 0;
    var played = chime.play();
    if (played && played.catch) played.catch(function () {});
    if ("speechSynthesis" in window) window.speechSynthesis.getVoices();
    soundIsOn();
  }

  // -- Clock (Asia/Jakarta whatever the TV's own time zone) ---------------

  var jakartaParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Jakarta", year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
  });

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var parts = {};
    jakartaParts.formatToParts(new Date()).forEach(function (p) { parts[p.type] = Number(p.value); });
    var weekday = new Date(Date.UTC(parts.year, parts.month - 1, parts.day)).getUTCDay();
    var time = document.getElementById("board-time");
    var seconds = el("span", "board-seconds", ":" + pad(parts.second));
    // Day and month names and the clock's separator come in the page language
    // (strings.days starts on Sunday, as getUTCDay counts).
    replaceChildren(time, [
      document.createTextNode(pad(parts.hour) + strings.timeSeparator + pad(parts.minute)),
      seconds]);
    document.getElementById("board-date").textContent = strings.days[weekday] + ", " +
      parts.day + " " + strings.months[parts.month - 1] + " " + parts.year;
  }

  window.MPPBoard = {
    announcementText: announcementText,
    spokenCode: spokenCode,
    terbilang: terbilang,
    enqueue: enqueue,
    pending: function () { return queue.length + (busy ? 1 : 0); }
  };

  if ("speechSynthesis" in window) {
    // Chromium loads voices asynchronously; asking early fills the list.
    window.speechSynthesis.getVoices();
  }
  document.getElementById("board-unlock-button").addEventListener("click", unlock);
  tryAutoplay();
  tick();
  window.setInterval(tick, 1000);
  poll();
})();
