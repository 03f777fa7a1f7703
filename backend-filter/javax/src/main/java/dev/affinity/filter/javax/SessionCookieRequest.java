package dev.affinity.filter.javax;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;

/**
 * For {@code balancer.cookie.when=session}: adds the route cookie at the moment the application
 * creates its HttpSession, which is when the container adds its own session cookie too. Only the
 * request is wrapped; the response and its body are untouched.
 */
final class SessionCookieRequest extends HttpServletRequestWrapper {

    private final HttpServletResponse response;
    private final String setCookie;
    private boolean added;

    SessionCookieRequest(HttpServletRequest request, HttpServletResponse response, String setCookie) {
        super(request);
        this.response = response;
        this.setCookie = setCookie;
    }

    @Override
    public HttpSession getSession() {
        return getSession(true);
    }

    @Override
    public HttpSession getSession(boolean create) {
        HttpSession session = super.getSession(create);
        if (session != null && !added && !response.isCommitted()) {
            added = true;
            response.addHeader("Set-Cookie", setCookie);
        }
        return session;
    }
}
