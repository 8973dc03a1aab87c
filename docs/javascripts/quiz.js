/* 自测：draws a random set from the question bank the build wrote into the page
 * (the data-quiz attribute of #kb-quiz-data), scores it here in the browser and shows
 * the right answers with explanations and links to the source paragraphs. Nothing is sent
 * anywhere; only the last score is kept, in this browser's localStorage.
 * Every text from the data goes in through textContent: no markup is ever built from data. */
(function () {
  "use strict";

  var STORE_KEY = "kb-quiz-last";
  var TF = [{ value: "true", label: "正确" }, { value: "false", label: "错误" }];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== false && attrs[k] != null) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  function randomInt(n) {
    if (window.crypto && window.crypto.getRandomValues) {
      var buf = new Uint32Array(1);
      window.crypto.getRandomValues(buf);
      return buf[0] % n;
    }
    return Math.floor(Math.random() * n);
  }

  function shuffle(list) {
    var a = list.slice();
    for (var i = a.length - 1; i > 0; i--) {
      var j = randomInt(i + 1);
      var t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }

  // Full-width and half-width forms, spaces and quotation marks do not decide a fill-in answer.
  function normalise(text) {
    return String(text || "").normalize("NFKC").replace(/[\s"'“”‘’「」『』。，、；：！？.,;:!?]/g, "");
  }

  function readStore() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null; // storage switched off: the page works without it
    }
  }

  function writeStore(value) {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  function init() {
    var root = document.getElementById("kb-quiz");
    var dataNode = document.getElementById("kb-quiz-data");
    if (!root || !dataNode || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var data = JSON.parse(dataNode.getAttribute("data-quiz"));
    var links = {};
    document.querySelectorAll(".kb-quiz-links a[data-kb-src]").forEach(function (a) {
      links[a.getAttribute("data-kb-src")] = a.getAttribute("href");
    });
    var setup = document.getElementById("kb-quiz-setup");
    var status = document.getElementById("kb-quiz-status");
    var form = document.getElementById("kb-quiz-questions");
    var lastNode = document.getElementById("kb-quiz-last");
    var current = [];

    function showLast() {
      var last = readStore();
      if (last && typeof last.correct === "number") {
        lastNode.textContent = "上次得分：" + last.correct + " / " + last.total + "（" + last.when + "）。";
        var clear = el("button", { type: "button", "class": "md-button kb-quiz__clear" }, "清除记录");
        clear.addEventListener("click", function () {
          try { window.localStorage.removeItem(STORE_KEY); } catch (e) { /* nothing kept */ }
          lastNode.hidden = true;
          lastNode.textContent = "";
          setup.querySelector("button[type=submit]").focus();
        });
        lastNode.appendChild(clear);
        lastNode.hidden = false;
      }
    }

    function chosenSections() {
      return Array.prototype.map.call(setup.querySelectorAll("input[name=section]:checked"), function (b) { return b.value; });
    }

    function draw() {
      var sections = chosenSections();
      var pool = data.questions.filter(function (q) { return sections.indexOf(q.section) >= 0; });
      if (!pool.length) {
        status.textContent = "请至少选择一个出题范围。";
        setup.querySelector("input[name=section]").focus();
        return;
      }
      var size = parseInt(setup.querySelector("select[name=size]").value, 10) || data.defaultSetSize;
      current = shuffle(pool).slice(0, size);
      render();
    }

    function render() {
      form.textContent = "";
      form.hidden = false;
      var head = el("h2", { id: "kb-quiz-set", tabindex: "-1" }, "本组 " + current.length + " 题");
      form.appendChild(head);
      current.forEach(function (q, i) {
        form.appendChild(renderQuestion(q, i));
      });
      var actions = el("p", { "class": "kb-quiz__actions" });
      actions.appendChild(el("button", { type: "submit", "class": "md-button md-button--primary", id: "kb-quiz-submit" }, "交卷并查看答案"));
      form.appendChild(actions);
      status.textContent = "已随机抽取 " + current.length + " 题。";
      head.focus();
    }

    function renderQuestion(q, i) {
      var name = "kb-q-" + q.id;
      var box = el("fieldset", { "class": "kb-quiz__q", "data-qid": q.id, "data-type": q.type });
      var legend = el("legend");
      legend.appendChild(el("span", { "class": "kb-quiz__n" }, "第 " + (i + 1) + " 题 · " + q.typeLabel));
      legend.appendChild(document.createTextNode(" " + q.q));
      box.appendChild(legend);
      var list = el("div", { "class": "kb-quiz__choices" });
      if (q.type === "single" || q.type === "multiple") {
        var order = shuffle(q.choices.map(function (_, k) { return k; }));
        order.forEach(function (k) {
          var label = el("label", { "class": "kb-quiz__choice" });
          label.appendChild(el("input", { type: q.type === "single" ? "radio" : "checkbox", name: name, value: String(k) }));
          label.appendChild(el("span", null, q.choices[k].text));
          list.appendChild(label);
        });
        if (q.type === "multiple") box.appendChild(el("p", { "class": "kb-quiz__hint" }, "（可选多项）"));
      } else if (q.type === "truefalse") {
        TF.forEach(function (opt) {
          var label = el("label", { "class": "kb-quiz__choice" });
          label.appendChild(el("input", { type: "radio", name: name, value: opt.value }));
          label.appendChild(el("span", null, opt.label));
          list.appendChild(label);
        });
      } else {
        var id = "kb-q-input-" + q.id;
        list.appendChild(el("label", { "for": id, "class": "kb-quiz__fill-label" }, "填写空格处的文字："));
        list.appendChild(el("input", { type: "text", id: id, name: name, "class": "kb-quiz__fill", autocomplete: "off",
                                       autocapitalize: "off", spellcheck: "false", enterkeyhint: "done" }));
      }
      box.appendChild(list);
      box.appendChild(el("div", { "class": "kb-quiz__feedback", hidden: true }));
      return box;
    }

    function answerText(q) {
      if (q.type === "truefalse") return q.answer ? "正确" : "错误";
      if (q.type === "fill") return q.answer;
      return q.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.text; }).join("；");
    }

    function grade(q, box) {
      var inputs = box.querySelectorAll("input");
      if (q.type === "fill") {
        var given = normalise(inputs[0].value);
        if (!given) return null;
        return [q.answer].concat(q.accept || []).some(function (a) { return normalise(a) === given; });
      }
      var checked = Array.prototype.filter.call(inputs, function (x) { return x.checked; }).map(function (x) { return x.value; });
      if (!checked.length) return null;
      if (q.type === "truefalse") return checked[0] === String(q.answer);
      var want = q.choices.map(function (c, k) { return c.correct ? String(k) : null; }).filter(function (v) { return v !== null; });
      return checked.length === want.length && want.every(function (v) { return checked.indexOf(v) >= 0; });
    }

    function feedback(q, box, result) {
      var fb = box.querySelector(".kb-quiz__feedback");
      fb.textContent = "";
      var verdict = result === true ? "回答正确" : result === false ? "回答错误" : "未作答";
      box.setAttribute("data-result", result === true ? "right" : "wrong");
      fb.appendChild(el("p", { "class": "kb-quiz__verdict" }, verdict));
      fb.appendChild(el("p", { "class": "kb-quiz__answer" }, "正确答案：" + answerText(q)));
      fb.appendChild(el("p", { "class": "kb-quiz__explanation" }, "解析：" + q.explanation));
      var src = el("p", { "class": "kb-quiz__source" }, "出处：");
      q.sources.forEach(function (s, k) {
        if (k) src.appendChild(document.createTextNode("；"));
        var href = links[s.key];
        src.appendChild(href ? el("a", { href: href }, s.label) : el("span", null, s.label));
        if (s.quote) src.appendChild(document.createTextNode("：“" + s.quote + "”"));
      });
      fb.appendChild(src);
      fb.hidden = false;
      box.querySelectorAll("input").forEach(function (x) { x.disabled = true; });
    }

    function score(event) {
      event.preventDefault();
      if (!current.length || form.getAttribute("data-scored")) return;
      var right = 0;
      current.forEach(function (q) {
        var box = form.querySelector('fieldset[data-qid="' + q.id + '"]');
        var result = grade(q, box);
        if (result === true) right++;
        feedback(q, box, result);
      });
      form.setAttribute("data-scored", "1");
      var submit = document.getElementById("kb-quiz-submit");
      submit.remove();
      var total = current.length;
      var when = new Date().toLocaleString("zh-CN", { hour12: false });
      var saved = writeStore({ correct: right, total: total, when: when });
      var summary = el("div", { "class": "kb-quiz__summary", id: "kb-quiz-summary", tabindex: "-1" });
      summary.appendChild(el("p", { "class": "kb-quiz__score", "data-correct": String(right), "data-total": String(total) },
                              "得分：" + right + " / " + total + "，每题下方列出了正确答案、解析和原文出处。"));
      if (saved) summary.appendChild(el("p", { "class": "kb-quiz__note" }, "这次得分只保存在本浏览器中（localStorage），没有发送到任何地方。"));
      var again = el("button", { type: "button", "class": "md-button md-button--primary", id: "kb-quiz-again" }, "再出一组题");
      again.addEventListener("click", function () { form.removeAttribute("data-scored"); draw(); });
      summary.appendChild(again);
      form.insertBefore(summary, form.querySelector("fieldset"));
      status.textContent = "得分 " + right + " / " + total + "。";
      summary.focus();
    }

    setup.addEventListener("submit", function (event) {
      event.preventDefault();
      form.removeAttribute("data-scored");
      draw();
    });
    form.addEventListener("submit", score);
    // Enter in a fill-in box finishes that answer; it must not hand in the whole set.
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.matches && event.target.matches("input[type=text]")) event.preventDefault();
    });
    showLast();
  }

  // Material's instant navigation swaps pages without reloading: document$ fires on every new page.
  // The first page is initialised here as well (document$ does not replay it everywhere, e.g. on
  // file://); init is idempotent per page.
  if (window.__kbQuiz) return; // loaded once per window, whatever the navigation does
  window.__kbQuiz = true;
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
