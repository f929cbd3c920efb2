// ccr-panel: small progressive enhancements. Every page works without this file.
"use strict";

document.documentElement.classList.add("js");

// Switchers submit as soon as a choice is made (their submit buttons serve everyone else).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) {
    select.form.requestSubmit();
  }
});

// "Copy" buttons copy the text of the element named by data-copy.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const source = document.getElementById(button.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim()).then(() => {
      button.dataset.copied = "true";
      setTimeout(() => delete button.dataset.copied, 1500);
    });
  }
});
