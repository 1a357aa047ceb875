/*
 * 「メッセージを検索」 on a municipality's landing page: full-text search of its messages and local
 * information with the Pagefind bundle the generator writes to <muni>/pagefind/ (Japanese words
 * segmented at build time). Each result shows the label (「妊娠12週3日」), the title and a snippet.
 * The bundle is loaded only when a search starts. `?q=…` (the search box on every other page)
 * runs a search on arrival. Without JavaScript the section points to the topics and contents.
 */
(function () {
  "use strict";
  var section = document.getElementById("search");
  if (!section || !window.URL || !window.Promise) return;
  var form = section.querySelector(".search-form");
  var input = form.querySelector("input[type=search]");
  var status = section.querySelector(".search-status");
  var results = section.querySelector(".search-results");
  var more = section.querySelector(".search-more");
  var bundle = new URL(section.getAttribute("data-bundle"), document.baseURI);
  var root = new URL("../", bundle);
  var PAGE = 10;
  var pagefind = null;
  var current = { query: "", hits: [], shown: 0, serial: 0 };

  section.querySelector(".needs-js").hidden = true;
  form.hidden = false;

  function load() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind.js", bundle).href).then(function (module) {
        // Result URLs are then paths from the server's root ("/yumemino/maternity/12w3d/").
        return Promise.resolve(module.options({ baseUrl: root.pathname, excerptLength: 40 })).then(function () {
          return module;
        });
      });
      pagefind.catch(function () {
        pagefind = null;
      });
    }
    return pagefind;
  }

  /** Pagefind's excerpt is HTML with <mark>; rebuild it from text and marks only. */
  function excerpt(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var p = document.createElement("p");
    p.className = "excerpt";
    template.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function item(data) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = new URL(data.url, root).href;
    if (data.meta && data.meta.label) {
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = data.meta.label;
      a.appendChild(label);
      a.appendChild(document.createTextNode(" "));
    }
    var title = document.createElement("span");
    title.className = "result-title";
    title.textContent = (data.meta && data.meta.title) || data.url;
    a.appendChild(title);
    li.appendChild(a);
    li.appendChild(excerpt(data.excerpt || ""));
    return li;
  }

  function showMore(serial) {
    var next = current.hits.slice(current.shown, current.shown + PAGE);
    return Promise.all(
      next.map(function (hit) {
        return hit.data();
      })
    ).then(function (items) {
      if (serial !== current.serial) return;
      var first = null;
      items.forEach(function (data) {
        var li = item(data);
        first = first || li;
        results.appendChild(li);
      });
      current.shown += items.length;
      more.hidden = current.shown >= current.hits.length;
      return first;
    });
  }

  function search(query) {
    query = query.trim();
    var serial = ++current.serial;
    current = { query: query, hits: [], shown: 0, serial: serial };
    results.textContent = "";
    more.hidden = true;
    if (!query) {
      status.textContent = "";
      return Promise.resolve();
    }
    status.textContent = "「" + query + "」を検索しています…";
    return load()
      .then(function (module) {
        return module.search(query);
      })
      .then(function (response) {
        if (serial !== current.serial) return;
        current.hits = (response && response.results) || [];
        status.textContent = current.hits.length
          ? "「" + query + "」を含むメッセージ：" + current.hits.length + "件"
          : "「" + query + "」を含むメッセージは見つかりませんでした。ことばを短くするか、別のことばでお試しください。";
        return showMore(serial);
      })
      .catch(function () {
        if (serial !== current.serial) return;
        status.textContent = "検索を読み込めませんでした。「テーマから探す」や、メッセージの種類ごとの目次をご覧ください。";
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    if (window.history && history.replaceState) {
      var url = new URL(location.href);
      if (query.trim()) url.searchParams.set("q", query.trim());
      else url.searchParams.delete("q");
      url.hash = "search";
      history.replaceState(null, "", url.href);
    }
    search(query);
  });

  more.addEventListener("click", function () {
    showMore(current.serial).then(function (first) {
      if (first) first.querySelector("a").focus();
    });
  });

  var initial = new URL(location.href).searchParams.get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
})();
