// ccr-panel: small progressive enhancements. Every page works without this file.
"use strict";

document.documentElement.classList.add("js");

// "Copy" buttons copy the text of the element named by data-copy.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const source = document.getElementById(button.dataset.copy);
  if (!source) {
    return;
  }
  const done = () => {
    button.dataset.copied = "true";
    setTimeout(() => delete button.dataset.copied, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent.trim()).then(done);
  } else {
    // Plain HTTP has no clipboard API: select the text so Ctrl-C copies it.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    done();
  }
});
