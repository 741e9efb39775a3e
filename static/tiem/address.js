// The ward picker follows the province picker without a page load. Without JavaScript the
// form still works: the "Show its wards" button sends it and the page lists the wards. With
// it the button goes, so Enter in a field sends the form itself (its first submit button).
"use strict";
document.querySelectorAll("select[data-wards-url]").forEach((province) => {
  const ward = document.getElementById(province.dataset.wardsFor);
  const button = province.form && province.form.querySelector(".wards-refresh");
  if (!ward) return;
  if (button) button.remove();
  province.addEventListener("change", async () => {
    ward.disabled = true;
    try {
      const url = `${province.dataset.wardsUrl}?province=${encodeURIComponent(province.value)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const data = await response.json();
      const options = (data.wards || []).map(([code, name]) => new Option(name, code));
      ward.replaceChildren(new Option(data.placeholder || ward.options[0].text, ""), ...options);
    } catch (error) {
      // Offline for a moment: the list stays as it was; the server checks the pair anyway.
    } finally {
      ward.disabled = false;
    }
  });
});
