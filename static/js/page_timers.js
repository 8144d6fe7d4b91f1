// Pages that wait for something on the server: a waiting room counts down to the opening and
// reloads then ([data-countdown] = seconds left), a result page being marked reloads after a
// few seconds ([data-reload-after] = seconds). Kept out of the templates so the pages need no
// inline script.
(function () {
  "use strict";
  const countdown = document.querySelector("[data-countdown]");
  if (countdown) {
    let left = Number(countdown.dataset.countdown);
    const tick = () => {
      if (left <= 0) { location.reload(); return; }
      countdown.textContent = new Date(left * 1000).toISOString().substring(11, 19);
      left -= 1;
    };
    tick();
    setInterval(tick, 1000);
  }
  const reload = document.querySelector("[data-reload-after]");
  if (reload) {
    setTimeout(() => { location.reload(); }, Number(reload.dataset.reloadAfter) * 1000);
  }
})();
