// Only the chosen payment method's details are shown. Without JavaScript every method's
// details stay visible under their headings, so nothing is out of reach.
"use strict";
document.querySelectorAll("form").forEach((form) => {
  const details = form.querySelectorAll(".pay-details[data-method]");
  const methods = form.querySelectorAll('input[name="payment_method"]');
  if (!details.length || !methods.length) return;
  const show = () => {
    const chosen = form.querySelector('input[name="payment_method"]:checked');
    details.forEach((detail) => {
      detail.hidden = !chosen || detail.dataset.method !== chosen.value;
    });
  };
  methods.forEach((method) => method.addEventListener("change", show));
  show();
});
