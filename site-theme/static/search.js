/*
 * 「メッセージを検索」 on a municipality's landing page: full-text search of its messages and local
 * information with the Pagefind bundles the generator writes to <muni>/pagefind-national/ and <muni>/pagefind/ (Japanese words
 * segmented at build time). Each result shows the label (「妊娠12週3日」), the title and a snippet.
 * The bundle is loaded only when a search starts. `?q=…` (the search box on every other page)
 * runs a search on arrival. Without JavaScript the section points to the topics and contents.
 *
 * The base messages are indexed once for the whole country and merged here with the
 * municipality's own pages (load); parents see one list.
 *
 * Japanese quality (issue 22): the query is folded as the generator folds the aid words it adds
 * to every indexed page (NFKC, katakana to hiragana, lower case: generator/src/search_text.rs), so
 * 「ツワリ」 finds 「つわり」 and 「だっこ」 finds 「抱っこ」 through its reading. Pagefind matches
 * prefixes of the pieces it segments a query into, so a hit is kept only when each query word
 * occurs whole, from a word boundary, in the page's text or its aids ("はしか" does not match
 * 「話しかけて」). Excerpts are cut here from the page's own text (never the aids, which follow
 * AIDS_MARK), starting at a sentence or word boundary, with Japanese punctuation.
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
  var EXCERPT_CHARS = 60;
  // Pagefind orders hits by score; past this many the tail is not checked (nor shown).
  var MAX_CHECKED = 300;
  var AIDS_MARK = "\u3013"; // 〓, search_text.rs AIDS_MARK
  var SENTENCE_END = /[。！？!?]\s*$/;
  var pagefind = null;
  var current = { query: "", hits: [], shown: 0, serial: 0 };

  section.querySelector(".needs-js").hidden = true;
  if (location.protocol === "file:") {
    // Browsers refuse to load the index (a module and fetches) from file:// pages.
    status.textContent = "ファイルとして開いたときは検索を使えません。`kizuna serve` で開いてください";
    return;
  }
  form.hidden = false;

  /** NFKC, katakana to hiragana, lower case: the generator's `fold` (search_text.rs). */
  function fold(text) {
    return text
      .normalize("NFKC")
      .replace(/[\u30a1-\u30f6\u30fd\u30fe]/g, function (c) {
        return String.fromCharCode(c.charCodeAt(0) - 0x60);
      })
      .toLowerCase();
  }

  function unescapeHtml(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
  }

  /**
   * Pagefind ends blocks without punctuation with "." (a word of its own once segmented); after
   * Japanese text that is 「。」.
   */
  function punctuated(words) {
    return words.map(function (word, i) {
      var japaneseBefore = i > 0 && /[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]\s*$/.test(words[i - 1]);
      if (japaneseBefore && /^\.\s*$/.test(word)) return "。";
      return word.replace(/([\u3000-\u30ff\u3400-\u9fff\uff00-\uffef])\.(\s|$)/g, "$1。");
    });
  }

  /**
   * A hit's words (Pagefind's segmentation, from raw_content) and where each query word occurs
   * whole from a word boundary: {words, bodyEnd, found: [{start, end}] (word indexes), ok}.
   */
  function check(data, terms) {
    var words = unescapeHtml(data.raw_content || data.content || "").split("\u200b");
    var bodyEnd = words.length;
    for (var i = 0; i < words.length; i++) {
      if (words[i].trim() === AIDS_MARK) {
        bodyEnd = i;
        break;
      }
    }
    var folded = "";
    var startOf = {}; // offset in `folded` -> word index
    var wordAt = [];
    words.forEach(function (word, index) {
      var f = fold(word).replace(/\s+/g, "");
      if (!f) return;
      startOf[folded.length] = index;
      for (var k = 0; k < f.length; k++) wordAt.push(index);
      folded += f;
    });
    var found = [];
    var ok = terms.every(function (term) {
      var best = null;
      for (var at = folded.indexOf(term); at !== -1; at = folded.indexOf(term, at + 1)) {
        if (!(at in startOf)) continue;
        var hit = { start: startOf[at], end: wordAt[at + term.length - 1] + 1 };
        if (!best) best = hit;
        if (hit.start < bodyEnd) {
          best = hit;
          break;
        }
      }
      if (best) found.push(best);
      return best !== null;
    });
    return { words: words, bodyEnd: bodyEnd, found: found, ok: ok };
  }

  /** The excerpt of a checked hit: from the start of the sentence of its first match in the text. */
  function excerpt(checked) {
    var words = punctuated(checked.words.slice(0, checked.bodyEnd));
    var inBody = checked.found.filter(function (f) {
      return f.start < checked.bodyEnd;
    });
    inBody.sort(function (a, b) {
      return a.start - b.start;
    });
    var first = inBody.length ? inBody[0].start : 0;
    var start = first;
    var before = 0;
    while (start > 0 && !SENTENCE_END.test(words[start - 1]) && before < EXCERPT_CHARS / 2) {
      start--;
      before += words[start].length;
    }
    var p = document.createElement("p");
    p.className = "excerpt";
    if (start > 0 && !SENTENCE_END.test(words[start - 1])) p.appendChild(document.createTextNode("…"));
    var length = 0;
    var end = start;
    while (end < words.length && (length < EXCERPT_CHARS || end <= first)) {
      var text = words[end];
      var marked = inBody.some(function (f) {
        return end >= f.start && end < f.end;
      });
      if (marked) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(text));
      }
      length += text.length;
      end++;
    }
    if (end < words.length) p.appendChild(document.createTextNode("…"));
    return p;
  }

  /**
   * Pagefind with the archive's bundles, as <muni>/search.json lists them (generator/src/search.rs):
   * the national bundle of the base messages, merged with the municipality's own (its local
   * information and overridden messages), or the municipality's bundle alone. Every hit's URL is
   * under this municipality's root; the filters keep its tracks and leave out the base versions
   * of the messages it does not send as they are.
   */
  function load() {
    if (!pagefind) {
      pagefind = fetch(new URL("search.json", root).href)
        .then(function (response) {
          if (!response.ok) throw new Error("search.json: " + response.status);
          return response.json();
        })
        .then(function (config) {
          var first = config.national || config.own;
          // Result URLs are then paths from the server's root ("/yumemino/maternity/12w3d/").
          var options = { baseUrl: root.pathname };
          return import(new URL(first + "pagefind.js", root).href).then(function (module) {
            return Promise.resolve(module.options({ baseUrl: root.pathname, excerptLength: 40 }))
              .then(function () {
                if (config.national && config.own) return module.mergeIndex(new URL(config.own, root).href, options);
              })
              .then(function () {
                var filters = { track: { any: config.tracks } };
                if (config.excluded && config.excluded.length) filters.base = { none: config.excluded };
                return { module: module, filters: filters };
              });
          });
        });
      pagefind.catch(function () {
        pagefind = null;
      });
    }
    return pagefind;
  }

  function item(hit) {
    var data = hit.data;
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
    li.appendChild(excerpt(hit.checked));
    return li;
  }

  function showMore(serial) {
    var items = current.hits.slice(current.shown, current.shown + PAGE);
    return Promise.resolve().then(function () {
      if (serial !== current.serial) return;
      var first = null;
      items.forEach(function (hit) {
        var li = item(hit);
        first = first || li;
        results.appendChild(li);
      });
      current.shown += items.length;
      more.hidden = current.shown >= current.hits.length;
      return first;
    });
  }

  /** Pagefind's hits whose every query word occurs whole (see `check`), with their data. */
  function checkedHits(results, terms) {
    return Promise.all(
      results.slice(0, MAX_CHECKED).map(function (result) {
        return result.data().then(function (data) {
          return { data: data, checked: check(data, terms) };
        });
      })
    ).then(function (hits) {
      return hits.filter(function (hit) {
        return hit.checked.ok;
      });
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
    var folded = fold(query).trim();
    var terms = folded.split(/\s+/);
    return load()
      .then(function (search) {
        return search.module.search(folded, { filters: search.filters });
      })
      .then(function (response) {
        if (serial !== current.serial) return [];
        return checkedHits((response && response.results) || [], terms);
      })
      .then(function (hits) {
        if (serial !== current.serial) return;
        current.hits = hits;
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
