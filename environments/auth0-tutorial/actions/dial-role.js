/**
 * "DIAL role" — the tutorial's Post-Login Action, completed (the tutorial's snippet lost its closing braces).
 * Puts the names of the user's Auth0 roles into the `dial_roles` claim of the access token, where DIAL Core
 * reads them (aidial.identityProviders.auth0.rolePath: "dial_roles").
 *
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  if (event.authorization) {
    api.accessToken.setCustomClaim("dial_roles", event.authorization.roles);
  }
};
