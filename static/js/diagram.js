// Track diagram: open a clicked node's topic in the side panel (htmx), zoom and pan, keep the
// open topic in view, and find a topic by its title (on the diagram and in the outline).
// Without this script every node is a plain link to its topic page, and the outline lists
// every topic.
(function () {
  "use strict";
  // Set up for the diagram on the page; again when htmx puts back an earlier page (Back).
  let active = null;
  const ready = new WeakSet();
  document.addEventListener("htmx:afterSettle", function () { if (active) active.markCurrent(); });
  document.addEventListener("htmx:historyRestore", setUp);
  // "/" anywhere but in a field goes to the search box.
  document.addEventListener("keydown", function (event) {
    if (!active || !active.input) return;
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    active.input.focus();
    active.input.select();
  });
  setUp();

  function setUp() {
  const figure = document.getElementById("diagram");
  if (!figure || ready.has(figure)) return;
  ready.add(figure);
  const viewport = figure.querySelector(".diagram-viewport");
  const svg = viewport.querySelector("svg");
  const toolbar = figure.querySelector(".diagram-toolbar");
  toolbar.classList.remove("needs-js");
  const box = svg.viewBox.baseVal;
  let zoom = 1; // 1 = the whole map fits the viewport

  // The width at which the whole map fits the viewport's width and its greatest height.
  function fitWidth() {
    const maxHeight = parseFloat(getComputedStyle(viewport).maxHeight) || viewport.clientHeight;
    const byHeight = box.height > 0 ? (maxHeight * box.width) / box.height : Infinity;
    return Math.max(1, Math.min(viewport.clientWidth, byHeight));
  }

  function maxZoom() {
    return Math.max(1, (box.width * 2.5) / fitWidth());
  }

  function setZoom(value, originX, originY) {
    const previous = zoom;
    zoom = Math.min(Math.max(value, 1), maxZoom());
    // Keep the point under the pointer (or the centre) where it was.
    const x = originX ?? viewport.clientWidth / 2;
    const y = originY ?? viewport.clientHeight / 2;
    const ratio = zoom / previous;
    const left = (viewport.scrollLeft + x) * ratio - x;
    const top = (viewport.scrollTop + y) * ratio - y;
    // The width attribute, not a style: htmx's copy of the page for Back keeps it, and the
    // page's policy refuses style attributes in markup put back.
    svg.setAttribute("width", Math.round(fitWidth() * zoom));
    viewport.classList.toggle("is-fitted", zoom === 1);
    viewport.scrollTo(left, top);
  }

  // First load: the whole map, fitted to its box.
  setZoom(1);

  toolbar.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-zoom]");
    if (!button) return;
    const action = button.dataset.zoom;
    setZoom(action === "in" ? zoom * 1.4 : action === "out" ? zoom / 1.4 : 1);
    if (action !== "reset") revealCurrent();
  });

  viewport.addEventListener("wheel", function (event) {
    if (!event.ctrlKey) return; // plain wheel scrolls; ctrl+wheel (and trackpad pinch) zooms
    event.preventDefault();
    const rect = viewport.getBoundingClientRect();
    setZoom(zoom * Math.exp(-event.deltaY / 300), event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });

  // Pinch with two fingers; one finger scrolls the viewport natively.
  let pinch = null;
  function distance(touches) {
    return Math.hypot(touches[0].clientX - touches[1].clientX, touches[0].clientY - touches[1].clientY);
  }
  viewport.addEventListener("touchstart", function (event) {
    if (event.touches.length === 2) pinch = { start: distance(event.touches), zoom: zoom };
  }, { passive: true });
  viewport.addEventListener("touchmove", function (event) {
    if (!pinch || event.touches.length !== 2) return;
    event.preventDefault();
    const rect = viewport.getBoundingClientRect();
    const midX = (event.touches[0].clientX + event.touches[1].clientX) / 2 - rect.left;
    const midY = (event.touches[0].clientY + event.touches[1].clientY) / 2 - rect.top;
    setZoom(pinch.zoom * (distance(event.touches) / pinch.start), midX, midY);
  }, { passive: false });
  viewport.addEventListener("touchend", function (event) {
    if (event.touches.length < 2) pinch = null;
  });

  // Drag with the mouse to pan; a drag never counts as a click on a node.
  let drag = null;
  viewport.addEventListener("pointerdown", function (event) {
    if (event.pointerType !== "mouse" || event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop, moved: false };
  });
  viewport.addEventListener("pointermove", function (event) {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 5) return;
    drag.moved = true;
    viewport.classList.add("is-dragging");
    viewport.scrollTo(drag.left - dx, drag.top - dy);
  });
  function endDrag() {
    viewport.classList.remove("is-dragging");
    setTimeout(function () { drag = null; }, 0);
  }
  viewport.addEventListener("pointerup", endDrag);
  viewport.addEventListener("pointerleave", endDrag);

  function linkFor(key) {
    const group = svg.querySelector('g.topic[data-topic="' + CSS.escape(key) + '"]');
    return group ? group.closest("a.topic-link") : null;
  }

  // Scroll the viewport (never the page) so that `link` is in view, centred if it was not.
  function reveal(link) {
    if (!link) return;
    const area = viewport.getBoundingClientRect();
    const node = link.getBoundingClientRect();
    const margin = 16;
    const inside = node.left >= area.left + margin && node.right <= area.right - margin &&
      node.top >= area.top + margin && node.bottom <= area.bottom - margin;
    if (inside) return;
    viewport.scrollTo(
      viewport.scrollLeft + node.left - area.left - (area.width - node.width) / 2,
      viewport.scrollTop + node.top - area.top - (area.height - node.height) / 2
    );
  }

  // The topic open in the panel is marked on the map and kept in view.
  let currentKey = null;
  function markCurrent() {
    const body = document.getElementById("topic-panel-body");
    const key = body ? body.dataset.topic : null;
    if (key === currentKey) return;
    currentKey = key;
    svg.querySelectorAll("a.topic-link[aria-current]").forEach(function (link) {
      link.removeAttribute("aria-current");
    });
    const link = key ? linkFor(key) : null;
    if (link) link.setAttribute("aria-current", "true");
    revealCurrent();
  }
  function revealCurrent() {
    if (currentKey) reveal(linkFor(currentKey));
  }

  // The panel opening beside the map narrows it: a fitted map is fitted again, a zoomed one
  // keeps its zoom; either way the open topic stays in view.
  let lastWidth = viewport.clientWidth;
  new ResizeObserver(function () {
    if (viewport.clientWidth === lastWidth) return;
    lastWidth = viewport.clientWidth;
    const keep = zoom;
    zoom = 1;
    setZoom(keep);
    revealCurrent();
  }).observe(viewport);

  active = { markCurrent: markCurrent, input: null };
  markCurrent();

  function openTopic(link) {
    const panel = document.getElementById("topic-panel");
    // A page may open its own view of the topic (a mentor's panel of a mentee's topic).
    const key = link.querySelector("g.topic").dataset.topic;
    const url = panel && panel.dataset.topicUrl
      ? panel.dataset.topicUrl.replace("{key}", encodeURIComponent(key))
      : link.getAttribute("href");
    if (!window.htmx || !panel) {
      window.location.assign(url);
      return;
    }
    // Once the panel settles, shortcuts.js moves the focus to the topic's title.
    window.htmx.ajax("GET", url, { source: link, target: panel, swap: "innerHTML", push: url });
  }

  // A node opens its topic in the panel beside the diagram, and the address follows.
  viewport.addEventListener("click", function (event) {
    const link = event.target.closest("a.topic-link");
    if (!link) return;
    if (drag && drag.moved) { event.preventDefault(); return; }
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button !== 0) return;
    if (!window.htmx || !document.getElementById("topic-panel")) return;
    event.preventDefault();
    openTopic(link);
  });

  // Find a topic: titles compared without accents or case, on the map and in the outline.
  const finder = figure.querySelector(".diagram-find");
  if (!finder) return;
  const input = finder.querySelector("input[type=search]");
  active.input = input;
  const status = finder.querySelector(".diagram-find-status");
  const outline = document.querySelector(".outline-tree");
  let matches = [];
  let position = 0;
  finder.classList.remove("needs-js");

  function fold(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase().replace(/\s+/g, " ").trim();
  }
  const titles = Array.from(svg.querySelectorAll("a.topic-link")).map(function (link) {
    return { link: link, key: link.querySelector("g.topic").dataset.topic, text: fold(link.getAttribute("aria-label") || "") };
  });

  function clear() {
    svg.querySelectorAll("a.topic-link.is-match").forEach(function (link) { link.classList.remove("is-match", "is-active-match"); });
    if (outline) {
      outline.classList.remove("is-filtered");
      outline.querySelectorAll(".has-match").forEach(function (item) { item.classList.remove("has-match"); });
      outline.querySelectorAll(".outline-row.is-match").forEach(function (row) { row.classList.remove("is-match"); });
    }
  }

  function search() {
    clear();
    const query = fold(input.value);
    matches = query ? titles.filter(function (title) { return title.text.includes(query); }) : [];
    position = 0;
    if (!query) {
      status.textContent = "";
      return;
    }
    matches.forEach(function (match) {
      match.link.classList.add("is-match");
      if (!outline) return;
      const item = outline.querySelector('.outline-item[data-topic="' + CSS.escape(match.key) + '"]');
      if (!item) return;
      const row = item.querySelector(".outline-row");
      if (row) row.classList.add("is-match");
      // The match and the sections above it stay in the filtered outline.
      for (let el = item; el && el !== outline; el = el.parentElement) {
        if (el.classList.contains("outline-item")) el.classList.add("has-match");
      }
    });
    if (outline) outline.classList.add("is-filtered");
    status.textContent = matches.length
      ? finder.dataset.found.replace("{count}", matches.length)
      : finder.dataset.none;
    showMatch();
  }

  function showMatch() {
    const match = matches[position];
    if (!match) return;
    matches.forEach(function (other) { other.link.classList.toggle("is-active-match", other === match); });
    reveal(match.link);
  }

  input.addEventListener("input", search);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      if (matches[position]) openTopic(matches[position].link);
    } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && matches.length) {
      event.preventDefault();
      position = (position + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
      showMatch();
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      input.value = "";
      search();
    }
  });
  finder.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  }
})();
