// Confirmations and errors after a form is sent ("Your privacy settings are saved.") are in a
// role=status region that is already on the page when it loads, which screen readers do not
// reliably announce. Moving focus to the region makes them read it at once (the pattern of
// GOV.UK's notification banner); the next Tab continues with the page from there.
// A page opened at an anchor keeps its scroll position when the region is elsewhere; when the
// anchor is the region itself (#consents-message) the browser's own jump focuses it. The jump
// to an anchor can come after this script and take focus away (Chromium clears focus when the
// anchor cannot take it), so focus is given back once the page has loaded.
document.addEventListener("DOMContentLoaded", () => {
  const region = document.querySelector("[data-announce]");
  if (!region) return;
  const anchor = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  const preventScroll = Boolean(anchor) && !anchor.contains(region);
  region.focus({ preventScroll });
  window.addEventListener("load", () => {
    if (document.activeElement === document.body || document.activeElement === null) region.focus({ preventScroll });
  });
});
