// A "Show" button after every password field, so a learner can check what they typed
// (the field stays a password field without script). The button is named "Show password"
// or "Hide password" for screen readers, and aria-pressed says whether it is shown.
// The words come translated from the page (the script tag's data-show, data-hide, data-what).
const passwordWords = { show: "Show", hide: "Hide", what: "password", ...document.currentScript?.dataset };
for (const input of document.querySelectorAll('input[type="password"]')) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button-secondary reveal-password";
  button.setAttribute("aria-pressed", "false");
  button.setAttribute("aria-controls", input.id);
  const verb = document.createElement("span");
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.textContent = ` ${passwordWords.what}`;
  verb.textContent = passwordWords.show;
  button.append(verb, hidden);
  button.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    verb.textContent = show ? passwordWords.hide : passwordWords.show;
    button.setAttribute("aria-pressed", String(show));
  });
  const wrapper = document.createElement("span");
  wrapper.className = "password-field";
  input.replaceWith(wrapper);
  wrapper.append(input, button);
}
