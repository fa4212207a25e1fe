// Kurator — the little script the pages need (no inline script: the Content-Security-Policy
// forbids it).
//
// 1. A select marked `data-autosubmit` submits its form when changed (the language switch); its
//    button still works without script.
// 2. The outbox: a visit or contact recorded on the visit form is first kept on this device
//    (localStorage) and sent when there is a connection — at once, when the connection returns,
//    every 5 seconds and whenever a page of Kurator opens. Each entry carries its idempotency
//    key, so sending it twice never records it twice. An entry the server refuses because the
//    case changed meanwhile stays on the device, shown to the person with the reason, until they
//    send it anyway or delete it; nothing is overwritten silently.
(function () {
  "use strict";

  var STORE = "kurator-outbox";

  function texts() {
    var t = document.getElementById("outbox-texts");
    var d = t ? t.dataset : {};
    return {
      waiting: d.waiting || "Waiting to be sent: {count}",
      sent: d.sent || "Sent",
      conflict: d.conflict || "Not sent: the case changed",
      sendAnyway: d.sendAnyway || "Send anyway",
      discard: d.discard || "Delete",
      savedOffline: d.savedOffline || "Saved on this device",
      refused: d.refused || "Not sent"
    };
  }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      return headers["x-csrf-token"] || "";
    } catch (e) {
      return "";
    }
  }

  function load() {
    try {
      var items = JSON.parse(localStorage.getItem(STORE) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function save(items) {
    localStorage.setItem(STORE, JSON.stringify(items));
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function outboxElement() {
    var el = document.getElementById("outbox");
    if (!el) {
      var main = document.getElementById("main");
      if (!main) {
        return null;
      }
      el = document.createElement("div");
      el.id = "outbox";
      el.setAttribute("aria-live", "polite");
      main.insertBefore(el, main.firstChild);
    }
    return el;
  }

  // The last thing said about the outbox ("saved on the device", "sent"), kept across redraws.
  var lastNote = "";

  function render(note) {
    if (note) {
      lastNote = note;
    }
    note = lastNote;
    var items = load();
    var el = outboxElement();
    if (!el) {
      return;
    }
    var t = texts();
    el.textContent = "";
    if (note) {
      var p = document.createElement("p");
      p.className = "item sent";
      p.textContent = note;
      el.appendChild(p);
    }
    var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
    if (waiting > 0) {
      var banner = document.createElement("p");
      banner.className = "outbox-banner";
      banner.textContent = t.waiting.replace("{count}", String(waiting));
      el.appendChild(banner);
    }
    items.forEach(function (item) {
      if (item.state === "waiting") {
        return;
      }
      var box = document.createElement("div");
      box.className = "item " + (item.state === "conflict" ? "conflict" : "refused");
      box.setAttribute("role", "alert");
      var title = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = (item.state === "conflict" ? t.conflict : t.refused) + ": ";
      title.appendChild(strong);
      var link = document.createElement("a");
      link.href = item.caseLink;
      link.textContent = item.caseTitle;
      title.appendChild(link);
      box.appendChild(title);
      var list = document.createElement("ul");
      (item.messages || []).forEach(function (m) {
        var li = document.createElement("li");
        li.textContent = m;
        list.appendChild(li);
      });
      box.appendChild(list);
      var notes = document.createElement("p");
      notes.className = "muted";
      notes.textContent = item.payload.at + " · " + (item.payload.notes || "");
      box.appendChild(notes);
      if (item.state === "conflict") {
        var again = document.createElement("button");
        again.type = "button";
        again.className = "small";
        again.textContent = t.sendAnyway;
        again.addEventListener("click", function () {
          update(item.payload.key, function (i) {
            i.payload.send_anyway = true;
            i.state = "waiting";
          });
          flush();
        });
        box.appendChild(again);
      }
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "small link";
      discard.textContent = t.discard;
      discard.addEventListener("click", function () {
        save(load().filter(function (i) { return i.payload.key !== item.payload.key; }));
        render();
      });
      box.appendChild(discard);
      el.appendChild(box);
    });
  }

  function update(key, change) {
    var items = load();
    items.forEach(function (i) {
      if (i.payload.key === key) {
        change(i);
      }
    });
    save(items);
  }

  var flushing = false;

  // Sends every waiting entry, one after another. Resolves with the keys that were accepted.
  function flush() {
    if (flushing) {
      return Promise.resolve([]);
    }
    flushing = true;
    var accepted = [];
    var waiting = load().filter(function (i) { return i.state === "waiting"; });
    var chain = Promise.resolve();
    waiting.forEach(function (item) {
      chain = chain.then(function () {
        return fetch(item.endpoint, {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
          body: JSON.stringify(item.payload)
        }).then(function (response) {
          if (response.ok) {
            accepted.push(item.payload.key);
            save(load().filter(function (i) { return i.payload.key !== item.payload.key; }));
            return null;
          }
          if (response.status === 409 || response.status === 422) {
            return response.json().then(function (body) {
              update(item.payload.key, function (i) {
                i.state = response.status === 409 ? "conflict" : "refused";
                i.messages = body.messages || [];
              });
            });
          }
          // Signed out, or the server is unwell: it stays and is tried again later.
          return null;
        }).catch(function () {
          // No connection: it stays on the device.
          return null;
        });
      });
    });
    return chain.then(function () {
      flushing = false;
      render(accepted.length > 0 ? texts().sent : "");
      return accepted;
    });
  }

  function capture(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var payload = {
        key: data.get("key") || newKey(),
        kind: data.get("kind") || "",
        at: data.get("at") || "",
        participants: data.get("participants") || "",
        notes: data.get("notes") || "",
        seen_stage: data.get("seen_stage") || null,
        seen_status: data.get("seen_status") || null,
        send_anyway: false
      };
      var items = load();
      items.push({
        endpoint: form.dataset.offlineEndpoint,
        caseTitle: form.dataset.caseTitle || "",
        caseLink: form.dataset.caseLink || "/",
        payload: payload,
        state: "waiting",
        messages: []
      });
      save(items);
      // The next entry gets a key of its own; the form is emptied for it.
      form.reset();
      var keyField = form.querySelector("input[name=key]");
      if (keyField) {
        keyField.value = newKey();
      }
      render(texts().savedOffline);
      flush().then(function (accepted) {
        if (accepted.indexOf(payload.key) >= 0) {
          window.location.assign(form.dataset.caseLink);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) {
          select.form.submit();
        }
      });
    });
    var visit = document.getElementById("visit-form");
    if (visit && visit.dataset.offlineEndpoint && window.localStorage && window.fetch) {
      capture(visit);
    }
    if (load().length > 0) {
      render();
      flush();
    }
    window.addEventListener("online", function () { flush(); });
    window.setInterval(function () {
      if (load().some(function (i) { return i.state === "waiting"; })) {
        flush();
      }
    }, 5000);
  });
})();
