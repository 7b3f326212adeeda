// Account settings: offer the device's own time zone when the list has it.
(function () {
  "use strict";
  var button = document.getElementById("browser-zone");
  var select = document.getElementById("time_zone");
  var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!button || !select || !zone) return;
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!known || select.value === zone) return;
  button.textContent += " (" + zone + ")";
  button.hidden = false;
  button.addEventListener("click", function () { select.value = zone; select.focus(); });
})();
