// On a launch form, show only the chosen app's fields; the hidden ones are disabled, so they are not sent.
// Without this script every app's fields show, and the gateway reads only the chosen app's.
(function () {
  function update(form) {
    var chosen = form.querySelector('input[name="app"]:checked');
    var app = chosen ? chosen.value : '';
    form.querySelectorAll('fieldset.app-fields').forEach(function (set) {
      var mine = set.getAttribute('data-app') === app;
      set.hidden = !mine;
      set.disabled = !mine;
    });
  }
  document.querySelectorAll('form.apps').forEach(function (form) {
    if (!form.querySelector('fieldset.app-fields')) {
      return;
    }
    form.querySelectorAll('input[name="app"]').forEach(function (radio) {
      radio.addEventListener('change', function () { update(form); });
    });
    update(form);
  });
})();
