/*
 * Kizuna timing rules in the browser: the same calendar math as the Rust crate kizuna-schedule
 * (DESIGN.md §3), for the "my messages" finder on each municipality's landing page.
 *
 * Dates are plain day numbers (days since 1970-01-01, Japan dates), never Date objects, so the
 * time zone of the reader's phone cannot shift a day. tests/browser/vectors.test.js checks every
 * function here against vectors written by kizuna-schedule (generator/tests/js_vectors.rs).
 *
 * A classic script (no modules): in the page it defines window.KizunaDates; in Node it exports.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.KizunaDates = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
  function fromCivil(y, m, d) {
    y -= m <= 2 ? 1 : 0;
    var era = Math.floor(y / 400);
    var yoe = y - era * 400;
    var doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
  }

  /** [year, month, day] of a day number. */
  function toCivil(n) {
    var z = n + 719468;
    var era = Math.floor(z / 146097);
    var doe = z - era * 146097;
    var yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    var doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    var mp = Math.floor((5 * doy + 2) / 153);
    var d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    var m = mp + (mp < 10 ? 3 : -9);
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
  }

  function isLeap(y) {
    return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  }

  function daysInMonth(y, m) {
    return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  }

  /** "YYYY-MM-DD" → day number, or null when it is not a real date. */
  function parseDate(text) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text).trim());
    if (!match) return null;
    var y = +match[1], m = +match[2], d = +match[3];
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
    return fromCivil(y, m, d);
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  /** Day number → "YYYY-MM-DD". */
  function formatDate(n) {
    var c = toCivil(n);
    return c[0] + "-" + pad(c[1]) + "-" + pad(c[2]);
  }

  /** Day number → 「2026年11月26日」. */
  function japaneseDate(n) {
    var c = toCivil(n);
    return c[0] + "年" + c[1] + "月" + c[2] + "日";
  }

  /** Whole months added from the original date, the day clamped to the month's end (Jan 31 + 1m = Feb 28/29). */
  function addMonths(n, months) {
    var c = toCivil(n);
    var index = c[0] * 12 + (c[1] - 1) + months;
    var y = Math.floor(index / 12), m = index - y * 12 + 1;
    return fromCivil(y, m, Math.min(c[2], daysInMonth(y, m)));
  }

  /** The Japanese school year of a date, named by the calendar year of its April. */
  function schoolYearOf(n) {
    var c = toCivil(n);
    return c[1] >= 4 ? c[0] : c[0] - 1;
  }

  /** The school cohort: the school year containing the day before the birth date (学校教育法 17条). */
  function schoolCohort(birth) {
    return schoolYearOf(birth - 1);
  }

  var GRADES = ["年少", "年中", "年長", "小1", "小2", "小3", "小4", "小5", "小6", "中1", "中2", "中3", "高1", "高2", "高3"];

  /** School years from the cohort year to a grade's year: 年少 is 4, 小1 is 7, 高3 is 18. */
  function yearsAfterCohort(grade) {
    var i = GRADES.indexOf(grade);
    if (i < 0) throw new Error("unknown school year " + grade);
    return 4 + i;
  }

  /** "1y3m10d" / "12w3d" → numbers; throws on anything else. */
  function parseAge(text) {
    var match = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?$/.exec(text);
    if (!match || text === "") throw new Error("not an age: " + text);
    return { years: +(match[1] || 0), months: +(match[2] || 0), days: +(match[3] || 0) };
  }

  function parseGestation(text) {
    var match = /^(\d{1,2})w([0-6])d$/.exec(text);
    if (!match) throw new Error("not a pregnancy day: " + text);
    return { weeks: +match[1], days: +match[2] };
  }

  /** "due" for pregnancy rules, null for date rules, else "birth". */
  function anchorKind(rule) {
    if ("pregnancy" in rule) return "due";
    if ("date" in rule) return null;
    return "birth";
  }

  /** The delivery date (day number) of a rule in its schedule.json form, for an anchor date. */
  function deliveryDate(rule, anchor) {
    if ("pregnancy" in rule) {
      var g = parseGestation(rule.pregnancy);
      return anchor - 280 + g.weeks * 7 + g.days;
    }
    if ("day" in rule) return anchor + rule.day - 1;
    if ("age" in rule) {
      var a = parseAge(rule.age);
      return addMonths(anchor, a.years * 12 + a.months) + a.days;
    }
    if ("birthday" in rule) return addMonths(anchor, rule.birthday * 12);
    if ("school" in rule) {
      var year = schoolCohort(anchor) + yearsAfterCohort(rule.school.year);
      var md = /^(\d{2})-(\d{2})$/.exec(rule.school.date);
      var month = +md[1];
      return fromCivil(month >= 4 ? year : year + 1, month, +md[2]);
    }
    if ("date" in rule) return parseDate(rule.date);
    throw new Error("unknown rule " + JSON.stringify(rule));
  }

  var TRACK_KIND = {
    maternity: "due",
    baby: "birth",
    preschool: "birth",
    school: "birth",
    "school-entry": "birth",
    "first-grade": "birth",
  };

  /** The dates a subscription with this anchor is in a track, both ends included: [start, end]. */
  function trackWindow(track, anchor) {
    switch (track) {
      case "maternity":
        return [anchor - 280 + 28, anchor - 280 + 293];
      case "baby":
        return [anchor, addMonths(anchor, 36)];
      case "preschool":
        return [addMonths(anchor, 36) + 1, addMonths(anchor, 72)];
      case "school":
        return [addMonths(anchor, 72) + 1, fromCivil(schoolCohort(anchor) + 18 + 1, 3, 31)];
      case "school-entry":
      case "first-grade": {
        var year = schoolCohort(anchor) + yearsAfterCohort(track === "school-entry" ? "年長" : "小1");
        return [fromCivil(year, 4, 1), fromCivil(year + 1, 3, 31)];
      }
      default:
        throw new Error("unknown track " + track);
    }
  }

  /** The enabled tracks a subscription of this kind is in on a date, in the order of `enabled`. */
  function tracksOn(kind, anchor, date, enabled) {
    return enabled.filter(function (track) {
      var w = trackWindow(track, anchor);
      return TRACK_KIND[track] === kind && w[0] <= date && date <= w[1];
    });
  }

  /** 「1歳3か月10日」「2歳」「生後5か月」, as kizuna-schedule labels `age:` rules. */
  function ageLabel(years, months, days) {
    var label = years > 0 ? years + "歳" : "生後";
    if (years === 0 || months > 0 || days > 0) label += months + "か月";
    if (days > 0) label += days + "日";
    return label;
  }

  /**
   * Where a family is on a date: 「妊娠12週3日」 (due dates, 4w0d–41w6d), 「生後100日目」 (birth
   * dates, the first 100 days), then the age 「1歳3か月10日」 (to 18 years). null outside.
   */
  function stageLabel(kind, anchor, today) {
    if (kind === "due") {
      var g = today - (anchor - 280);
      if (g < 28 || g > 293) return null;
      return "妊娠" + Math.floor(g / 7) + "週" + (g % 7) + "日";
    }
    var n = today - anchor + 1;
    if (n < 1) return null;
    if (n <= 100) return "生後" + n + "日目";
    var months = 0;
    while (addMonths(anchor, months + 1) <= today) months += 1;
    var years = Math.floor(months / 12);
    if (years > 18) return null;
    return ageLabel(years, months % 12, today - addMonths(anchor, months));
  }

  /**
   * Every entry of a finder.json index a family receives, with its delivery date, sorted by date
   * (entries of one date keep the index order). Mirrors the sender: an entry reaches a family only
   * while it is in one of the entry's tracks on that date, and local entries only within `valid`.
   */
  function deliveries(index, kind, anchor) {
    var out = [];
    index.entries.forEach(function (entry, order) {
      var entryKind = anchorKind(entry.when);
      if (entryKind !== null && entryKind !== kind) return;
      var date = deliveryDate(entry.when, anchor);
      var tracks = (entry.track ? [entry.track] : entry.tracks || []).filter(function (t) {
        return index.tracks.indexOf(t) >= 0;
      });
      if (tracksOn(kind, anchor, date, tracks).length === 0) return;
      if (entry.valid) {
        if (entry.valid.from && date < parseDate(entry.valid.from)) return;
        if (entry.valid.until && date > parseDate(entry.valid.until)) return;
      }
      out.push({ date: date, order: order, entry: entry });
    });
    out.sort(function (a, b) {
      return a.date - b.date || a.order - b.order;
    });
    return out;
  }

  /**
   * What the finder shows for a family on `today`: today's entries, those of the last 7 days and of
   * the last month (today excluded from both lists), the most recent before today and the next one.
   */
  function findMessages(index, kind, anchor, today) {
    var all = deliveries(index, kind, anchor);
    var weekStart = today - 6;
    var monthStart = addMonths(today, -1) + 1;
    var result = { stage: stageLabel(kind, anchor, today), today: [], week: [], month: [], previous: null, next: null };
    all.forEach(function (d) {
      if (d.date === today) result.today.push(d);
      else if (d.date < today && d.date >= weekStart) result.week.push(d);
      else if (d.date < weekStart && d.date >= monthStart) result.month.push(d);
      if (d.date < today) result.previous = d;
      if (d.date > today && result.next === null) result.next = d;
    });
    result.week.reverse();
    result.month.reverse();
    return result;
  }

  /** Today's date in Japan (UTC+9, no daylight saving time) as a day number. */
  function japanToday(nowMillis) {
    var ms = (nowMillis === undefined ? Date.now() : nowMillis) + 9 * 3600 * 1000;
    return Math.floor(ms / 86400000);
  }

  return {
    GRADES: GRADES,
    fromCivil: fromCivil,
    toCivil: toCivil,
    parseDate: parseDate,
    formatDate: formatDate,
    japaneseDate: japaneseDate,
    addMonths: addMonths,
    schoolYearOf: schoolYearOf,
    schoolCohort: schoolCohort,
    anchorKind: anchorKind,
    deliveryDate: deliveryDate,
    trackWindow: trackWindow,
    tracksOn: tracksOn,
    stageLabel: stageLabel,
    deliveries: deliveries,
    findMessages: findMessages,
    japanToday: japanToday,
  };
});
