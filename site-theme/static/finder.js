/*
 * 「わたしのメッセージを探す」 on a municipality's landing page: from a due date or a birth date,
 * today's stage and message, and the messages of the last week and month — computed in the page
 * from finder.json (written by the generator) with the rules of kizuna-dates.js. The date never
 * leaves the page. Without JavaScript the section only explains where else to look.
 */
(function () {
  "use strict";
  var section = document.getElementById("finder");
  var dates = window.KizunaDates;
  if (!section || !dates || !window.fetch) return;
  var form = section.querySelector(".finder-form");
  var output = section.querySelector(".finder-result");
  var indexUrl = new URL(section.getAttribute("data-index"), document.baseURI);
  var indexPromise = null;

  section.querySelector(".needs-js").hidden = true;
  form.hidden = false;

  function loadIndex() {
    if (!indexPromise) {
      indexPromise = fetch(indexUrl).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.json();
      });
      indexPromise.catch(function () {
        indexPromise = null;
      });
    }
    return indexPromise;
  }

  function el(name, attrs, children) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function link(delivery, withDate) {
    var entry = delivery.entry;
    var children = [el("span", { class: "label" }, [entry.label]), " " + entry.title];
    if (withDate) children.push(el("span", { class: "meta" }, ["（" + dates.japaneseDate(delivery.date) + "）"]));
    return el("a", { href: new URL(entry.id + "/", indexUrl).href }, children);
  }

  function list(deliveries, withDate) {
    return el(
      "ul",
      { class: "toc" },
      deliveries.map(function (d) {
        return el("li", {}, [link(d, withDate)]);
      })
    );
  }

  function show(nodes) {
    output.textContent = "";
    nodes.forEach(function (node) {
      output.appendChild(node);
    });
  }

  function render(found, kind, today) {
    var nodes = [];
    var heading = "今日（" + dates.japaneseDate(today) + "）";
    if (found.stage) heading += "は " + found.stage + " です";
    nodes.push(el("h3", { id: "finder-today", tabindex: "-1" }, [heading]));
    if (!found.stage) {
      nodes.push(
        el("p", {}, [
          kind === "due"
            ? "メッセージは" + (section.getAttribute("data-due-span") || "妊娠中") + "です。出産予定日を確かめてください。お子さんが生まれたら、生年月日で探せます。"
            : "生年月日を確かめてください。メッセージは" + (section.getAttribute("data-birth-span") || "") + "です。",
        ])
      );
    }
    if (found.today.length) {
      nodes.push(el("p", {}, ["今日のメッセージ"]));
      nodes.push(list(found.today, false));
    } else if (found.stage) {
      nodes.push(el("p", {}, ["今日届くメッセージはありません。"]));
    }
    if (found.week.length) {
      nodes.push(el("h3", {}, ["この1週間のメッセージ"]));
      nodes.push(list(found.week, true));
    }
    if (found.month.length) {
      nodes.push(el("h3", {}, ["この1か月のメッセージ（1週間より前）"]));
      nodes.push(list(found.month, true));
    }
    if (!found.today.length && !found.week.length && !found.month.length && found.previous) {
      nodes.push(el("h3", {}, ["いちばん最近のメッセージ"]));
      nodes.push(list([found.previous], true));
    }
    if (found.next) {
      nodes.push(el("h3", {}, ["次のメッセージ"]));
      nodes.push(list([found.next], true));
    }
    show(nodes);
    output.querySelector("#finder-today").focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var kind = form.elements.kind.value || "due";
    var anchor = dates.parseDate(form.elements.date.value);
    if (anchor === null) {
      show([el("p", { class: "error" }, ["日付を「2027-06-07」のように、年・月・日で入れてください。"])]);
      form.elements.date.focus();
      return;
    }
    var today = dates.japanToday();
    loadIndex().then(
      function (index) {
        render(dates.findMessages(index, kind, anchor, today), kind, today);
      },
      function () {
        // Browsers refuse fetch() on file:// pages: waiting would not help, a local server would.
        var why =
          window.location.protocol === "file:"
            ? "ファイルとして開いたときは、この機能を使えません。`kizuna serve` で開いてください。"
            : "メッセージの一覧を読み込めませんでした。時間をおいて、もう一度お試しください。";
        show([el("p", { class: "error" }, [why])]);
      }
    );
  });
})();
