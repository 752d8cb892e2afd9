// Served by Portico at /user/NAME/custom/custom.js, which Jupyter Notebook loads on every page:
// warns the user before their server's time limit ends, with a link to extend it.
(function () {
  "use strict";
  var match = location.pathname.match(/^\/user\/([a-z_][a-z0-9_-]*)\//);
  if (!match) {
    return;
  }
  var user = match[1];
  var warnSeconds = __WARN_SECONDS__;
  var banner = null;

  function show(seconds) {
    if (!banner) {
      banner = document.createElement("div");
      banner.setAttribute("role", "alert");
      banner.id = "portico-walltime";
      banner.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:10000;padding:8px 16px;" +
        "background:#fff3cd;color:#533f03;border-bottom:1px solid #e0c97a;font:14px/1.4 system-ui,sans-serif;text-align:center";
      document.body.appendChild(banner);
    }
    var minutes = Math.max(0, Math.round(seconds / 60));
    banner.textContent = "";
    banner.appendChild(document.createTextNode("Your server stops in " + minutes + " min. Save your work, or "));
    var link = document.createElement("a");
    link.href = "/hub/home";
    link.target = "_blank";
    link.textContent = "extend it on your Portico page";
    banner.appendChild(link);
    banner.appendChild(document.createTextNode("."));
  }

  function hide() {
    if (banner) {
      banner.remove();
      banner = null;
    }
  }

  function check() {
    fetch("/hub/api/users/" + user, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (model) {
        var server = model && model.servers && model.servers[""];
        var left = server ? server.time_remaining : null;
        if (left === null || left === undefined || left > warnSeconds) {
          hide();
        } else {
          show(left);
        }
      })
      .catch(function () { /* the hub is unreachable: say nothing rather than something wrong */ });
  }

  check();
  setInterval(check, 60000);
})();
