// While a file is being prepared, the page holds an element marked data-refresh-while-present
// (the progress panel). Every few seconds this fetches the page again and brings the parts
// marked data-refresh-part (status, facts, file, actions, history) up to date in place:
// - the progress bar and its sentence change their value and text only, inside the file part,
//   a polite live region, so screen readers hear the new percentage;
// - a part whose content changed gets the new content; nothing else on the page moves, and
//   keyboard focus stays where it was (if the focused control itself went away, focus moves
//   to what replaced it, or to the download link, never to the top of the page);
// - once the new copy has no progress panel (the file is ready, or the work stopped) the file
//   part shows the download link and "ready" sentence, which the live region announces
//   without taking focus, and the updates stop.
(() => {
  const MARK = "[data-refresh-while-present]";
  const PART = "[data-refresh-part]";
  const PROGRESS_TEXT = "#file-progress-text";
  const EVERY_MS = 2000;
  const FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
  if (!document.querySelector(MARK)) return;

  // The part's content without its per-response CSRF token, which differs on every fetch.
  function signature(part) {
    const copy = part.cloneNode(true);
    copy.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((input) => input.remove());
    return copy.innerHTML.replace(/\s+/g, " ").trim();
  }

  function updateProgress(part, fresh) {
    const bar = part.querySelector("progress");
    const freshBar = fresh.querySelector("progress");
    const text = part.querySelector(PROGRESS_TEXT);
    const freshText = fresh.querySelector(PROGRESS_TEXT);
    if (!bar || !freshBar || !text || !freshText) return false;
    for (const name of ["max", "value"]) {
      const value = freshBar.getAttribute(name);
      if (value === null) bar.removeAttribute(name);
      else if (bar.getAttribute(name) !== value) bar.setAttribute(name, value);
    }
    bar.textContent = freshBar.textContent;
    if (text.textContent !== freshText.textContent) text.textContent = freshText.textContent;
    return true;
  }

  function replaceContent(part, fresh) {
    const hadFocus = part.contains(document.activeElement);
    part.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
    if (!hadFocus) return;
    const next =
      part.querySelector(FOCUSABLE) ||
      // The focused control went away with nothing in its place (e.g. "Withdraw" once the copy is
      // ready): the download link if there is one, else the part itself, never the top of the page.
      document.querySelector("[data-refresh-part=file] a[href]") ||
      Object.assign(part, { tabIndex: -1 });
    next.focus({ preventScroll: true });
  }

  async function refresh() {
    let response;
    try {
      response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
    } catch {
      window.setTimeout(refresh, EVERY_MS * 3); // offline for a moment: try again later
      return;
    }
    if (!response.ok || response.redirected) {
      window.location.reload();
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const parts = Array.from(document.querySelectorAll(PART));
    const freshParts = new Map(Array.from(page.querySelectorAll(PART), (part) => [part.dataset.refreshPart, part]));
    if (parts.some((part) => !freshParts.has(part.dataset.refreshPart))) {
      window.location.reload(); // the page changed shape: start again from a whole copy
      return;
    }
    const stillPreparing = Boolean(page.querySelector(MARK));
    for (const part of parts) {
      const fresh = freshParts.get(part.dataset.refreshPart);
      if (signature(part) === signature(fresh)) continue;
      if (stillPreparing && part.querySelector(MARK) && fresh.querySelector(MARK) && updateProgress(part, fresh)) {
        if (signature(part) === signature(fresh)) continue;
      }
      replaceContent(part, fresh);
    }
    if (stillPreparing) window.setTimeout(refresh, EVERY_MS);
  }

  window.setTimeout(refresh, EVERY_MS);
})();
