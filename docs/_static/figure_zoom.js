/* A tap or a click on a figure opens it at full size: on a phone a figure is shrunk to the
 * screen's width, and its labels need zooming to be read. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const image of document.querySelectorAll("article figure img.plot-directive")) {
    if (image.closest("a")) continue;
    const link = Object.assign(document.createElement("a"), {
      href: image.getAttribute("src"),
      className: "figure-zoom",
      title: "Open the figure at full size",
    });
    image.replaceWith(link);
    link.append(image);
  }
});
