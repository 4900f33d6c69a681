// The w2v explore page: every number comes from the JSON API under api/ (see docs/explore.md).
// d3 (vendored in static/vendor/) draws the map and the loss curve and handles zoom and pan.
"use strict";

(() => {
  const state = { info: null, word: null, mapRequest: 0, resetZoom: null };
  const closers = [];
  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat("en-US");

  // ------------------------------------------------------------------ API

  async function api(path, params = {}) {
    const url = new URL("api/" + path, document.baseURI);
    for (const [key, value] of Object.entries(params)) {
      if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
      else if (value !== undefined && value !== null) url.searchParams.set(key, value);
    }
    let response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new Error("cannot reach the w2v explore server (was it stopped?)");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      /* not JSON: reported below */
    }
    if (!response.ok || body === null) {
      const error = new Error((body && body.error) || `the server answered ${response.status}`);
      error.body = body;
      throw error;
    }
    return body;
  }

  // An unknown word's message, with its close forms (the API's "suggestions") as links.
  function showUnknown(id, err, word) {
    const close = (err.body && err.body.suggestions && err.body.suggestions[word]) || [];
    if (!close.length) {
      status(id, err.message, true);
      return;
    }
    status(id, `“${word}” is not in the vocabulary. Did you mean `, true);
    close.forEach((other, i) => {
      const link = document.createElement("a");
      link.textContent = other;
      link.href = "#word=" + encodeURIComponent(other);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        lookup(other);
      });
      $(id).append(i ? ", " : "", link);
    });
    $(id).append("?");
  }

  function status(id, message, isError = false) {
    const el = $(id);
    el.textContent = message || "";
    el.classList.toggle("error", isError);
  }

  function clamp(value, low, high) {
    return Math.max(low, Math.min(high, value));
  }

  const formatScore = (x) => (x === null || x === undefined ? "–" : x.toFixed(3));
  const formatProbability = (p) =>
    p >= 0.001 ? (100 * p).toFixed(1) + " %" : (100 * p).toExponential(1) + " %";

  // ------------------------------------------------------------------ result tables

  // Rows of {word, value}; `fraction(value)` sizes the bar (0..1).
  function fillTable(table, rows, valueKey, format, fraction) {
    const body = table.tBodies[0];
    body.replaceChildren();
    rows.forEach((row, i) => {
      const tr = body.insertRow();
      tr.insertCell().textContent = String(i + 1);
      const link = document.createElement("a");
      link.textContent = row.word;
      link.href = "#word=" + encodeURIComponent(row.word);
      link.title =
        "look up " + row.word + (row.count !== undefined ? ` (seen ${number.format(row.count)} times)` : "");
      link.addEventListener("click", (event) => {
        event.preventDefault();
        lookup(row.word);
      });
      tr.insertCell().append(link);
      const cell = tr.insertCell();
      const wrap = document.createElement("div");
      wrap.className = "score";
      const value = document.createElement("span");
      value.className = "value";
      value.textContent = format(row[valueKey]);
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = (8 * clamp(fraction(row[valueKey]) || 0, 0, 1)).toFixed(2) + "em";
      wrap.append(value, bar);
      cell.append(wrap);
    });
    table.hidden = rows.length === 0;
  }

  // ------------------------------------------------------------------ completion

  function attachCompletion(input, onPick) {
    const combo = document.createElement("div");
    combo.className = "combo";
    input.parentNode.insertBefore(combo, input);
    combo.append(input);
    const list = document.createElement("ul");
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    combo.append(list);
    let items = [];
    let active = -1;
    let timer = null;
    let sequence = 0;

    const close = () => {
      list.hidden = true;
      active = -1;
      sequence++; // answers still on their way are dropped
    };
    closers.push(close);
    const pick = (word) => {
      input.value = word;
      close();
      if (onPick) onPick(word);
    };
    const render = () => {
      list.replaceChildren();
      items.forEach((item, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.dataset.word = item.word;
        const word = document.createElement("span");
        word.textContent = item.word;
        li.append(word);
        if (item.count !== undefined) {
          const count = document.createElement("span");
          count.className = "count";
          count.textContent = number.format(item.count);
          li.append(count);
        }
        li.classList.toggle("active", i === active);
        li.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep the focus in the box
          pick(item.word);
        });
        list.append(li);
      });
      list.hidden = items.length === 0;
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const prefix = input.value.trim();
      if (!prefix) {
        close();
        return;
      }
      timer = setTimeout(async () => {
        const mine = ++sequence;
        try {
          const answer = await api("vocabulary", { prefix, limit: 8 });
          if (mine !== sequence) return;
          items = answer.words;
          active = -1;
          render();
        } catch (err) {
          close();
        }
      }, 80);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + items.length) % items.length;
        render();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        pick(items[active].word);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 120));
  }

  const closeSuggestions = () => closers.forEach((close) => close());

  // ------------------------------------------------------------------ neighbours

  async function lookup(word) {
    word = word.trim();
    if (!word) return;
    closeSuggestions();
    $("word").value = word;
    const previous = state.word;
    state.word = word;
    history.replaceState(null, "", "#word=" + encodeURIComponent(word));
    status("lookup-status", "looking up…");
    try {
      const answer = await api("neighbours", { word, topn: 15 });
      fillTable($("neighbours"), answer.neighbours, "score", formatScore, (s) => s);
      status("lookup-status", `Nearest neighbours of “${word}” by cosine similarity`);
    } catch (err) {
      $("neighbours").hidden = true;
      showUnknown("lookup-status", err, word);
      state.word = previous;
      // The map says why it does not show the word (and is not left blank).
      if (!$("map").dataset.points) await drawStartMap();
      const shown = $("map").dataset.points ? ` Shown instead: ${$("map-caption").textContent}` : "";
      status("map-caption", `No map of “${word}”: it is not in the vocabulary.${shown}`, true);
      return;
    }
    if (!$("context-word").value) $("context-word").value = word;
    $("map-mode").value = "word";
    await drawMap();
  }

  // ------------------------------------------------------------------ analogy, similarity

  async function solveAnalogy() {
    closeSuggestions();
    const a = $("analogy-a").value.trim();
    const b = $("analogy-b").value.trim();
    const c = $("analogy-c").value.trim();
    if (!a || !b || !c) {
      status("analogy-status", "fill in the three words: a is to b as c is to ?", true);
      return;
    }
    const method = $("analogy-method").value;
    status("analogy-status", "solving…");
    try {
      const answer = await api("analogy", { a, b, c, method, topn: 10 });
      const best = answer.results.length ? answer.results[0].word : "–";
      status("analogy-status", "");
      const strong = document.createElement("strong");
      strong.textContent = best;
      $("analogy-status").append(`${a} : ${b} :: ${c} : `, strong);
      const top = answer.results.length ? answer.results[0].score : 1;
      const fraction = method === "3cosadd" ? (s) => s : (s) => s / top;
      fillTable($("analogy-results"), answer.results, "score", formatScore, fraction);
    } catch (err) {
      $("analogy-results").hidden = true;
      status("analogy-status", err.message, true);
    }
  }

  async function compare() {
    closeSuggestions();
    const a = $("similarity-a").value.trim();
    const b = $("similarity-b").value.trim();
    if (!a || !b) {
      status("similarity-status", "give two words", true);
      return;
    }
    try {
      const answer = await api("similarity", { a, b });
      status("similarity-status", `cosine similarity of “${a}” and “${b}”: `);
      const strong = document.createElement("strong");
      strong.textContent = formatScore(answer.similarity);
      $("similarity-status").append(strong);
    } catch (err) {
      status("similarity-status", err.message, true);
    }
  }

  // ------------------------------------------------------------------ map

  async function drawMap() {
    const limits = state.info.limits;
    const mode = $("map-mode").value;
    const method = $("map-method").value;
    const cap = method === "tsne" ? limits.max_tsne_points : limits.max_map_points;
    const n = clamp(parseInt($("map-n").value, 10) || 40, 3, cap);
    $("map-n").value = n;
    const params = { method };
    if (mode === "word") {
      if (!state.word) {
        status("map-caption", "Look up a word first, or show the most frequent words.");
        return;
      }
      params.word = state.word;
      params.n = n - 1;
    } else {
      params.top = n;
    }
    const mine = ++state.mapRequest;
    status("map-caption", method === "tsne" ? "computing t-SNE (a few seconds)…" : "projecting…");
    let answer;
    try {
      answer = await api("map", params);
    } catch (err) {
      status("map-caption", err.message, true);
      return;
    }
    if (mine !== state.mapRequest) return;
    const name = method === "tsne" ? "t-SNE" : "PCA";
    const count = answer.points.length;
    status(
      "map-caption",
      mode === "word"
        ? `${name} of “${answer.word}” and its ${count - 1} nearest neighbours; darker = more similar`
        : `${name} of the ${count} most frequent words`,
    );
    renderMap(answer.points, mode === "word");
  }

  // The first map: the neighbourhood of a word worth looking at (the server's start_word),
  // not the most frequent words, which are stopwords.
  async function drawStartMap() {
    if (state.info.start_word) {
      state.word = state.info.start_word;
      $("map-mode").value = "word";
    } else {
      $("map-mode").value = "top";
    }
    await drawMap();
  }

  function renderMap(points, neighbourhood) {
    const svg = d3.select("#map");
    const node = svg.node();
    const width = node.clientWidth || 800;
    const height = node.clientHeight || 560;
    svg.attr("viewBox", `0 0 ${width} ${height}`);
    svg.selectAll("*").remove();
    svg.on(".zoom", null);
    node.dataset.points = String(points.length);

    // One scale for both axes: distances on screen keep the projection's proportions.
    const pad = 48;
    const [x0, x1] = d3.extent(points, (d) => d.x);
    const [y0, y1] = d3.extent(points, (d) => d.y);
    const k = Math.min((width - 2 * pad) / (x1 - x0 || 1), (height - 2 * pad) / (y1 - y0 || 1));
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const x = d3.scaleLinear().domain([cx - width / 2 / k, cx + width / 2 / k]).range([0, width]);
    const y = d3.scaleLinear().domain([cy - height / 2 / k, cy + height / 2 / k]).range([height, 0]);

    const scores = points.filter((d) => d.score !== null).map((d) => d.score);
    const shade = d3
      .scaleSequential((t) => d3.interpolateBlues(0.35 + 0.6 * t))
      .domain(scores.length ? d3.extent(scores) : [0, 1]);
    // Label the first points (the word, its nearest; or the most frequent); more appear on zoom.
    const budget = (scale) => Math.round(60 * scale * scale);

    const layer = svg.append("g");
    const dots = layer
      .selectAll("circle")
      .data(points)
      .join("circle")
      .attr("class", (d, i) => "point" + (neighbourhood && i === 0 ? " query" : ""))
      .attr("r", (d, i) => (neighbourhood && i === 0 ? 7 : 5))
      .attr("data-word", (d) => d.word)
      .attr("aria-label", (d) => d.word);
    dots.filter((d) => d.score !== null).style("fill", (d) => shade(d.score));
    const labels = layer
      .selectAll("text")
      .data(points)
      .join("text")
      .attr("class", (d, i) => "label" + (neighbourhood && i === 0 ? " query" : ""))
      .text((d) => d.word);

    const tooltip = $("tooltip");
    const widths = labels.nodes().map((node) => node.getComputedTextLength());
    const place = (transform) => {
      const zx = transform.rescaleX(x);
      const zy = transform.rescaleY(y);
      dots.attr("cx", (d) => zx(d.x)).attr("cy", (d) => zy(d.y));
      labels.attr("y", (d) => zy(d.y) + 4);
      // Greedy, in order of importance: each label goes right of its point, else left, and
      // only where it overlaps no label already placed.
      const shown = budget(transform.k);
      const kept = [];
      const free = (box) =>
        box[2] > 0 && box[0] < width && box[3] > 0 && box[1] < height &&
        !kept.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3]);
      labels.each(function (d, i) {
        const px = zx(d.x);
        const base = zy(d.y) + 4;
        let side = null;
        if (i < shown) {
          const right = [px + 7, base - 10, px + 9 + widths[i], base + 2];
          const left = [px - 9 - widths[i], base - 10, px - 7, base + 2];
          side = free(right) ? right : free(left) ? left : null;
          if (side) kept.push(side);
        }
        const onLeft = side !== null && side[2] === px - 7;
        this.setAttribute("x", onLeft ? px - 8 : px + 8);
        this.setAttribute("text-anchor", onLeft ? "end" : "start");
        this.classList.toggle("hidden-label", side === null);
      });
      tooltip.hidden = true;
    };
    place(d3.zoomIdentity);

    dots
      .on("mouseenter", (event, d) => {
        const i = points.indexOf(d);
        d3.select(event.currentTarget).classed("hover", true).raise();
        labels.filter((e, j) => j === i).classed("hover", true);
        const [px, py] = d3.pointer(event, $("map-box"));
        const parts = [d.word];
        if (d.score !== null) parts.push("cosine " + formatScore(d.score));
        parts.push("frequency rank " + number.format(d.index + 1));
        tooltip.textContent = parts.join(" · ");
        tooltip.style.left = px + 12 + "px";
        tooltip.style.top = py - 30 + "px";
        tooltip.hidden = false;
      })
      .on("mouseleave", (event) => {
        d3.select(event.currentTarget).classed("hover", false);
        labels.classed("hover", false);
        tooltip.hidden = true;
      })
      .on("click", (event, d) => lookup(d.word));

    const zoom = d3
      .zoom()
      .scaleExtent([0.5, 60])
      .on("zoom", (event) => place(event.transform));
    svg.call(zoom);
    state.resetZoom = () => svg.transition().duration(300).call(zoom.transform, d3.zoomIdentity);
  }

  // ------------------------------------------------------------------ model

  function showModel(info) {
    if (!info.model) {
      status(
        "model-status",
        `${info.source} holds word vectors only (${info.format} format). Parameters, the loss ` +
          "curve and the model's own predictions need a full model, saved with " +
          "`w2v train ... --model model.w2v`.",
      );
      return;
    }
    const m = info.model;
    const p = m.params;
    status("model-status", "");
    const layers = [];
    if (p.negative) layers.push(`negative sampling (${p.negative} samples)`);
    if (p.hs) layers.push("hierarchical softmax");
    if (p.softmax) layers.push("full softmax");
    const rows = [
      ["architecture", p.sg ? "skip-gram" : `CBOW (${p.cbow_mean ? "mean" : "sum"} of the context)`],
      ["output layer", layers.join(" + ")],
      ["dimensions", p.vector_size],
      ["window", p.window + (p.shrink_windows ? " (shrinking)" : "")],
      ["min count", p.min_count],
      ["subsampling", p.sample],
      ["learning rate", `${p.alpha} → ${p.min_alpha}`],
      ["epochs trained", m.epochs_trained],
      ["vocabulary", `${number.format(info.vocab_size)} words`],
      ["corpus", m.total_tokens === null ? "–" : `${number.format(m.total_tokens)} words`],
      ["seed", p.seed],
    ];
    const body = $("model-params").tBodies[0];
    body.replaceChildren();
    for (const [key, value] of rows) {
      const tr = body.insertRow();
      tr.insertCell().textContent = key;
      tr.insertCell().textContent = String(value);
    }
    $("model-details").hidden = false;
    drawLoss(m.loss_history);
  }

  function drawLoss(losses) {
    const svg = d3.select("#loss");
    svg.selectAll("*").remove();
    const node = svg.node();
    const width = node.clientWidth || 600;
    const height = node.clientHeight || 180;
    svg.attr("viewBox", `0 0 ${width} ${height}`);
    const data = losses.map((loss, i) => ({ epoch: i + 1, loss })).filter((d) => d.loss !== null);
    if (!data.length) {
      svg.append("text").attr("x", 10).attr("y", 20).attr("class", "axis-title").text("no loss recorded");
      return;
    }
    const margin = { left: 56, right: 16, top: 10, bottom: 34 };
    const x = d3
      .scaleLinear()
      .domain(data.length > 1 ? [1, data.length] : [0.5, 1.5])
      .range([margin.left, width - margin.right]);
    const y = d3
      .scaleLinear()
      .domain(d3.extent(data, (d) => d.loss))
      .nice()
      .range([height - margin.bottom, margin.top]);
    if (y.domain()[0] === y.domain()[1]) y.domain([y.domain()[0] * 0.9, y.domain()[0] * 1.1 || 1]);
    const ticks = Math.min(data.length, 10);
    svg
      .append("g")
      .attr("class", "axis")
      .attr("transform", `translate(0,${height - margin.bottom})`)
      .call(d3.axisBottom(x).tickValues(x.ticks(ticks).filter(Number.isInteger)).tickFormat(d3.format("d")));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${margin.left},0)`).call(d3.axisLeft(y).ticks(5));
    svg
      .append("text")
      .attr("class", "axis-title")
      .attr("x", width - margin.right)
      .attr("y", height - 4)
      .attr("text-anchor", "end")
      .text("epoch");
    svg
      .append("path")
      .datum(data)
      .attr("class", "line")
      .attr("d", d3.line().x((d) => x(d.epoch)).y((d) => y(d.loss)));
    svg
      .selectAll("circle")
      .data(data)
      .join("circle")
      .attr("class", "dot")
      .attr("r", 3)
      .attr("cx", (d) => x(d.epoch))
      .attr("cy", (d) => y(d.loss))
      .append("title")
      .text((d) => `epoch ${d.epoch}: loss ${d.loss.toPrecision(5)}`);
  }

  async function predict(kind) {
    closeSuggestions();
    const params = { topn: 10 };
    let what;
    if (kind === "center") {
      const words = $("center-context").value.split(/\s+/).filter(Boolean);
      if (!words.length) {
        status("predict-status", "give one or more context words", true);
        return;
      }
      params.context = words;
      what = `most probable centre words for the context “${words.join(" ")}”`;
    } else {
      const word = $("context-word").value.trim();
      if (!word) {
        status("predict-status", "give a word", true);
        return;
      }
      params.word = word;
      what = `most probable context words around “${word}”`;
    }
    try {
      const answer = await api("predict/" + kind, params);
      const top = answer.predictions.length ? answer.predictions[0].probability : 1;
      fillTable($("predictions"), answer.predictions, "probability", formatProbability, (q) => q / top);
      status("predict-status", `The model's ${what} (${answer.layer} output layer)`);
    } catch (err) {
      $("predictions").hidden = true;
      status("predict-status", err.message, true);
    }
  }

  // ------------------------------------------------------------------ start

  function onSubmit(id, handler) {
    $(id).addEventListener("submit", (event) => {
      event.preventDefault();
      handler();
    });
  }

  async function init() {
    try {
      state.info = await api("info");
    } catch (err) {
      $("source").textContent = err.message;
      return;
    }
    const info = state.info;
    const kind = info.kind === "model" ? "full model" : `${info.format} vectors`;
    $("source").textContent =
      `${info.source} · ${number.format(info.vocab_size)} words × ${info.vector_size} dimensions · ${kind}`;
    document.title = `${info.source} – w2v explore`;
    if (!info.tsne) {
      const option = $("map-method").querySelector('option[value="tsne"]');
      option.disabled = true;
      option.textContent = "t-SNE (needs scikit-learn)";
    }
    $("map-n").max = info.limits.max_map_points;

    attachCompletion($("word"), (word) => lookup(word));
    for (const input of document.querySelectorAll(".word-input:not(#word)")) attachCompletion(input);
    onSubmit("lookup-form", () => lookup($("word").value));
    onSubmit("analogy-form", solveAnalogy);
    onSubmit("similarity-form", compare);
    onSubmit("map-form", drawMap);
    onSubmit("center-form", () => predict("center"));
    onSubmit("context-form", () => predict("context"));
    $("map-reset").addEventListener("click", () => state.resetZoom && state.resetZoom());
    showModel(info);

    const match = /^#word=(.+)$/.exec(location.hash);
    if (match) {
      await lookup(decodeURIComponent(match[1]));
    } else {
      await drawStartMap();
    }
    document.body.dataset.ready = "1";
  }

  init();
})();
