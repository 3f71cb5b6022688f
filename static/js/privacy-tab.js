// Settings → Privacy: the "View as" preview follows the choices as they change, changes not
// saved yet are marked, and leaving the page with such changes asks first.
// Without script the page works as before: the "View as" buttons send the form to be previewed.
// The script has no visibility rule of its own: the server marks each choice with the viewers
// who would see the field were it chosen (data-shown-to), and sends the owner's whole profile
// as the preview, whose parts, each naming its field (data-field), are shown or hidden.
(() => {
  const form = document.querySelector("[data-visibility-form]");
  const preview = document.querySelector("[data-preview]");
  if (!form || !preview) return;
  const fields = [...form.querySelectorAll("fieldset[data-field]")];
  const viewButtons = [...preview.querySelectorAll('button[name="view_as"]')];
  const frame = preview.querySelector("[data-preview-frame]");
  const saveMark = form.querySelector("#visibility-unsaved");
  const saveButton = form.querySelector("[data-save]");
  let viewAs = (viewButtons.find((button) => button.getAttribute("aria-pressed") === "true") || viewButtons[0]).value;
  let leaving = false;

  // The server's "not saved yet" note (of a preview sent without script) gives way to the script's.
  for (const note of preview.querySelectorAll("[data-server-unsaved]")) note.remove();
  const unsavedNote = preview.querySelector("template[data-preview-unsaved]").content.firstElementChild.cloneNode(true);
  unsavedNote.hidden = true;
  preview.querySelector(".segmented").after(unsavedNote);

  const chosenOption = (fieldset) => fieldset.querySelector("input:checked");
  const changed = (fieldset) => {
    const input = chosenOption(fieldset);
    return Boolean(input) && input.value !== fieldset.dataset.saved;
  };
  const seen = (name) => {
    const fieldset = fields.find((candidate) => candidate.dataset.field === name);
    const input = fieldset && chosenOption(fieldset);
    const label = input && input.closest("[data-shown-to]");
    return Boolean(label) && label.dataset.shownTo.split(" ").includes(viewAs);
  };

  function update() {
    const dirty = fields.filter(changed);
    for (const fieldset of fields) fieldset.querySelector("[data-unsaved-mark]").hidden = !dirty.includes(fieldset);
    saveMark.hidden = dirty.length === 0;
    if (dirty.length) saveButton.setAttribute("aria-describedby", saveMark.id);
    else saveButton.removeAttribute("aria-describedby");
    unsavedNote.hidden = dirty.length === 0;

    for (const button of viewButtons) button.setAttribute("aria-pressed", String(button.value === viewAs));
    const pressed = viewButtons.find((button) => button.value === viewAs);
    preview.querySelector("[data-preview-who]").textContent = pressed.dataset.who;
    preview.querySelector("[data-preview-with]").textContent = dirty.length
      ? preview.dataset.withUnsaved
      : preview.dataset.withSaved;

    let anything = false;
    for (const part of frame.querySelectorAll("[data-field]")) {
      part.hidden = !seen(part.dataset.field);
      anything ||= !part.hidden;
    }
    const card = frame.querySelector(".profile-card");
    if (card) card.hidden = !anything;
    frame.querySelector("[data-nothing-visible]").hidden = anything;
    const nameShown = seen("full_name");
    for (const fallback of frame.querySelectorAll("[data-without-name]")) fallback.hidden = nameShown;
    for (const photo of frame.querySelectorAll("img[data-alt-without-name]")) {
      photo.dataset.altWithName ||= photo.alt;
      photo.alt = nameShown ? photo.dataset.altWithName : photo.dataset.altWithoutName;
    }
    // "Show all" links stay with the viewer shown.
    for (const link of frame.querySelectorAll('a[href*="view_as="]')) {
      const url = new URL(link.href);
      url.searchParams.set("view_as", viewAs);
      link.href = url.pathname + url.search + url.hash;
    }
  }

  for (const button of viewButtons) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      viewAs = button.value;
      update();
    });
  }
  form.addEventListener("change", update);
  form.addEventListener("submit", () => {
    leaving = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (leaving || !fields.some(changed)) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when a value is set
  });
  // Back to this page from the browser's cache: it may be sent again.
  window.addEventListener("pageshow", () => {
    leaving = false;
    update();
  });
  update();
})();
