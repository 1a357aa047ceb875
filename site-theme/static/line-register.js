// LINE registration page (subscribe/line/): when the page is served as a static file, the signed
// token is only in the address (?token=…); copy it into the form's hidden field, which the API
// fills itself when it serves the page. Nothing is sent anywhere by this script.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  document.querySelectorAll("input[data-from-query]").forEach(function (input) {
    var value = params.get(input.getAttribute("data-from-query"));
    if (value && input.value.indexOf("%%") === 0) {
      input.value = value;
    }
  });
})();
