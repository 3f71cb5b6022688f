// The avatar menu is a <details> element: it opens and closes with the keyboard
// without script. This adds what users expect of a menu: Escape closes it and
// returns focus to its button; a click elsewhere or moving focus out closes it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details[data-menu][open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details[data-menu][open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
document.addEventListener("focusout", (event) => {
  const menu = event.target.closest("details[data-menu][open]");
  if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
});
// Arrow keys move between the menu's items (Down on the closed button opens it at the first).
document.addEventListener("keydown", (event) => {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const menu = event.target.closest("details[data-menu]");
  if (!menu) return;
  if (!menu.open) {
    if (event.key !== "ArrowDown") return;
    menu.open = true;
  }
  const items = [...menu.querySelectorAll(".menu a, .menu button")];
  const at = items.indexOf(document.activeElement);
  const step = event.key === "ArrowDown" ? 1 : -1;
  const next = at === -1 ? (step === 1 ? 0 : items.length - 1) : (at + step + items.length) % items.length;
  event.preventDefault();
  items[next].focus();
});
