// After a passkey is added (django-otp-webauthn's register script), open the page where it is named.
document.addEventListener("otp_webauthn.register_complete", (event) => {
  const url = event.detail && event.detail.response && event.detail.response.redirect_url;
  if (url && url.startsWith("/") && !url.startsWith("//")) window.location.assign(url);
});
