/* Marking grid: checks as you type, autosave of each cell with its version, visible saved state.
   Without JavaScript the grid is a plain form posted with the 保存 button. */
(function () {
  "use strict";
  var form = document.querySelector("[data-marking-grid]");
  if (!form) { return; }
  var url = form.getAttribute("data-save-url");
  var tokenTag = document.querySelector('meta[name="csrf-token"]');
  var token = tokenTag ? tokenTag.getAttribute("content") : "";
  var overall = document.getElementById("saved-state");
  var pending = 0;
  var queues = new WeakMap();
  // the page's language: messages translated by the template (scoring/grid.html), Chinese otherwise
  var messages = {};
  var messageTag = document.getElementById("marking-messages");
  if (messageTag) { try { messages = JSON.parse(messageTag.getAttribute("data-messages")); } catch (e) { messages = {}; } }
  function say(key, chinese, n) {
    return (messages[key] || chinese).replace("{n}", n === undefined ? "" : String(n));
  }

  function cellOf(input) { return input.closest(".cell"); }
  function stateOf(input) { return cellOf(input).querySelector(".state"); }
  function hidden(input, prefix) {
    return form.querySelector('input[name="' + prefix + input.dataset.registration + "-" + input.dataset.aspect + '"]');
  }
  function show(input, kind, text) {
    var cell = cellOf(input);
    cell.classList.remove("saved", "pending", "bad", "conflict");
    if (kind) { cell.classList.add(kind); }
    stateOf(input).textContent = text;
  }
  function setOverall(kind, text) {
    overall.className = "saved-state " + kind;
    overall.textContent = text;
  }
  function decimals(text) { var i = text.indexOf("."); return i < 0 ? 0 : text.length - i - 1; }

  function problem(input) {
    var text = input.value.trim();
    if (text === "" || input.tagName === "SELECT") { return ""; }
    if (input.dataset.kind === "number") {
      if (!/^-?\d+(\.\d+)?$/.test(text)) { return say("number", "请输入数字"); }
      var value = Number(text);
      var low = input.dataset.low, high = input.dataset.high, step = input.dataset.step;
      if (low !== undefined && value < Number(low)) { return say("below", "不能小于 {n}", low); }
      if (high !== undefined && value > Number(high)) { return say("above", "不能大于 {n}", high); }
      if (step === "1" && !Number.isInteger(value)) { return say("integer", "须为整数"); }
      if (step === "0.01" && decimals(text) > 2) { return say("decimals", "最多两位小数"); }
    } else if (input.dataset.pattern && !new RegExp("^(" + input.dataset.pattern + ")$").test(text)) {
      return say("format", "格式不对");
    }
    return "";
  }

  function check(input) {
    var message = problem(input);
    if (input.setCustomValidity) { input.setCustomValidity(message); }
    if (message) { show(input, "bad", message); } else if (cellOf(input).classList.contains("bad")) { show(input, "", ""); }
    return !message;
  }

  function keepMine(input, currentVersion) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small keep";
    button.textContent = say("keep", "以我的输入为准");
    button.addEventListener("click", function () {
      input.dataset.version = String(currentVersion);
      button.remove();
      save(input);
    });
    stateOf(input).appendChild(document.createElement("br"));
    stateOf(input).appendChild(button);
  }

  function send(input) {
    var value = input.value.trim();
    var original = hidden(input, "o-");
    if (original && original.value === value && !cellOf(input).classList.contains("conflict")) {
      return Promise.resolve();
    }
    if (!check(input)) { return Promise.resolve(); }
    pending += 1;
    show(input, "pending", say("saving", "保存中…"));
    setOverall("warn", say("savingAll", "正在保存…"));
    var body = JSON.stringify({
      registration_id: Number(input.dataset.registration),
      aspect: input.dataset.aspect,
      value: value === "" ? null : value,
      version: Number(input.dataset.version || "0")
    });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          input.dataset.version = String(data.version);
          hidden(input, "v-").value = String(data.version);
          if (original) { original.value = data.value === null ? "" : data.value; }
          if (data.value !== null && input.tagName !== "SELECT") { input.value = data.value; }
          show(input, "saved", say("saved", "已保存 {n}", data.saved_at));
        } else if (response.status === 409) {
          show(input, "conflict", data.error || say("conflict", "这项成绩已被他人修改。"));
          keepMine(input, data.current_version);
        } else if (response.status === 503) {
          show(input, "bad", data.error || say("database", "数据库暂时无法连接，未保存；将自动重试"));
          input.dataset.retry = "1";
          retryLater();
        } else if (response.status === 400) {
          show(input, "bad", say("expired", "页面已过期，请刷新后重试（您的输入仍在框中）"));
        } else {
          show(input, "bad", data.error || say("unsaved", "未保存"));
        }
      });
    }).catch(function () {
      show(input, "bad", say("network", "网络中断，未保存；恢复后将自动重试"));
      input.dataset.retry = "1";
      retryLater();  // the server may be unreachable while the tablet stays "online"
    }).then(function () {
      pending -= 1;
      if (pending === 0) {
        var bad = form.querySelectorAll(".cell.bad, .cell.conflict").length;
        setOverall(bad ? "bad" : "ok", bad ? say("badCells", "有 {n} 格未保存，请查看红色提示", bad) : say("allSaved", "全部已保存"));
      }
    });
  }

  function save(input) {
    var previous = queues.get(input) || Promise.resolve();
    var next = previous.then(function () { return send(input); });
    queues.set(input, next);
    return next;
  }

  form.querySelectorAll("input[data-aspect], select[data-aspect]").forEach(function (input) {
    if (input.readOnly || input.disabled) { return; }
    input.addEventListener("input", function () { check(input); });
    input.addEventListener("change", function () { save(input); });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelectorAll("input[data-aspect], select[data-aspect]").forEach(function (input) {
      if (!input.readOnly && !input.disabled) { save(input); }
    });
  });
  function retryAll() {
    form.querySelectorAll('[data-retry="1"]').forEach(function (input) { delete input.dataset.retry; save(input); });
  }
  // The server answered 503 (database unreachable): try the unsaved cells again a few seconds later.
  var retryTimer = null;
  function retryLater() {
    if (retryTimer) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = null; retryAll(); }, 5000);
  }
  window.addEventListener("online", retryAll);
  window.addEventListener("beforeunload", function (event) {
    if (pending > 0 || form.querySelector(".cell.conflict, .cell.bad")) { event.preventDefault(); event.returnValue = ""; }
  });
}());
