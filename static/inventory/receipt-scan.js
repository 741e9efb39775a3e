// Goods receipt: a barcode scanner types the code and presses Enter. Enter moves on
// (code → quantity → unit cost → the next line's code, adding a line at the end) instead
// of submitting half a delivery. Without this script the page works all the same: Enter
// presses "More lines", which keeps what was typed.
(function () {
  "use strict";
  var form = document.querySelector("form.goods-receipt");
  if (!form) return;
  var body = form.querySelector("table.receipt-lines tbody");
  var template = document.getElementById("receipt-line-template");
  var total = form.querySelector('input[name="lines-TOTAL_FORMS"]');
  var maximum = form.querySelector('input[name="lines-MAX_NUM_FORMS"]');

  function addLine() {
    var index = parseInt(total.value, 10);
    if (maximum && index >= parseInt(maximum.value, 10)) return null;
    var html = template.innerHTML.replace(/__prefix__/g, String(index))
      .replace(/__number__/g, String(index + 1));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    return body.lastElementChild;
  }

  form.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.closest || !field.closest("tr.receipt-line")) return;
    event.preventDefault();
    var row = field.closest("tr.receipt-line");
    var next = null;
    if (field.classList.contains("receipt-code")) {
      next = row.querySelector(".receipt-quantity");
    } else if (field.classList.contains("receipt-quantity")) {
      next = row.querySelector(".receipt-cost");
    } else {
      var following = row.nextElementSibling || addLine();
      next = following && following.querySelector(".receipt-code");
    }
    if (next) next.focus();
  });
})();
