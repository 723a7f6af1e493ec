/* Break opportunities in long dotted names: a <wbr> after each dot and underscore inside
 * inline code, so `keras.src.layers.pooling.GlobalAveragePooling2D` wraps at a dot on a
 * phone rather than mid-word. A <wbr> is not text: copying the name copies it unchanged. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const piece of document.querySelectorAll("article code.literal span.pre")) {
    const text = piece.textContent;
    if (text.length < 20 || !/[._]/.test(text)) continue;
    piece.replaceChildren(...text.split(/(?<=[._])/).flatMap((part, i) => (i ? [document.createElement("wbr"), part] : [part])));
  }
});
