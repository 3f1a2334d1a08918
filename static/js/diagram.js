// Track diagram: open a clicked node's topic in the side panel (htmx), zoom and pan.
// Without this script every node is a plain link to its topic page.
(function () {
  "use strict";
  const figure = document.getElementById("diagram");
  if (!figure) return;
  const viewport = figure.querySelector(".diagram-viewport");
  const svg = viewport.querySelector("svg");
  const toolbar = figure.querySelector(".diagram-toolbar");
  const naturalWidth = svg.viewBox.baseVal.width;
  let zoom = 1; // 1 = fit to the viewport's width

  function setZoom(value, originX, originY) {
    const fitWidth = viewport.clientWidth;
    const maxZoom = Math.max(1, (naturalWidth * 2.5) / fitWidth);
    const previous = zoom;
    zoom = Math.min(Math.max(value, 1), maxZoom);
    // Keep the point under the pointer (or the centre) where it was.
    const x = originX ?? viewport.clientWidth / 2;
    const y = originY ?? viewport.clientHeight / 2;
    const ratio = zoom / previous;
    const left = (viewport.scrollLeft + x) * ratio - x;
    const top = (viewport.scrollTop + y) * ratio - y;
    svg.style.width = zoom === 1 ? "" : fitWidth * zoom + "px";
    viewport.scrollTo(left, top);
  }

  // Open at a size where the titles can be read (at least 3/4 of PlantUML's own), centred
  // on the root; "Fit" shows the whole map.
  const readable = (naturalWidth * 0.75) / viewport.clientWidth;
  if (readable > 1) {
    setZoom(readable);
    viewport.scrollTo(
      (viewport.scrollWidth - viewport.clientWidth) / 2,
      (viewport.scrollHeight - viewport.clientHeight) / 2
    );
  }
  toolbar.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-zoom]");
    if (!button) return;
    const action = button.dataset.zoom;
    setZoom(action === "in" ? zoom * 1.4 : action === "out" ? zoom / 1.4 : 1);
  });

  viewport.addEventListener("wheel", function (event) {
    if (!event.ctrlKey) return; // plain wheel scrolls; ctrl+wheel (and trackpad pinch) zooms
    event.preventDefault();
    const box = viewport.getBoundingClientRect();
    setZoom(zoom * Math.exp(-event.deltaY / 300), event.clientX - box.left, event.clientY - box.top);
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
    const box = viewport.getBoundingClientRect();
    const midX = (event.touches[0].clientX + event.touches[1].clientX) / 2 - box.left;
    const midY = (event.touches[0].clientY + event.touches[1].clientY) / 2 - box.top;
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

  // A node opens its topic in the panel beside the diagram, and the address follows.
  viewport.addEventListener("click", function (event) {
    const link = event.target.closest("a.topic-link");
    if (!link) return;
    if (drag && drag.moved) { event.preventDefault(); return; }
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button !== 0) return;
    const panel = document.getElementById("topic-panel");
    if (!window.htmx || !panel) return;
    event.preventDefault();
    const url = link.getAttribute("href");
    // Once the panel settles, shortcuts.js moves the focus to the topic's title.
    window.htmx.ajax("GET", url, { source: link, target: panel, swap: "innerHTML", push: url });
  });
})();
