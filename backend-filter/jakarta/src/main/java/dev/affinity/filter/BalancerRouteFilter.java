package dev.affinity.filter;

import dev.affinity.filter.core.NodeRoute;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/**
 * Issues {@code BALANCEID=balancer.<route>} for this node to clients not pinned to it, so that the
 * proxy sends them back here. Registered for {@code /*} by {@link BalancerRouteInitializer}, or by
 * hand in web.xml. It only adds a header before the chain runs: it never wraps or buffers the body,
 * so the cookie goes out even when the application commits its response early.
 */
public final class BalancerRouteFilter implements Filter {

    private NodeRoute route;

    @Override
    public void init(FilterConfig config) throws ServletException {
        try {
            route = NodeRoute.start(name -> Optional.ofNullable(config.getInitParameter(name)),
                    name -> Optional.ofNullable(config.getServletContext().getInitParameter(name)),
                    config.getServletContext().getContextPath().isEmpty() ? "ROOT" : config.getServletContext().getContextPath());
        } catch (IllegalArgumentException e) {
            throw new ServletException(e.getMessage(), e);
        }
        route.settings().route().ifPresent(r -> config.getServletContext().setAttribute(NodeRoute.ROUTE_ATTRIBUTE, r));
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse out) {
            if (route.mustLeave(http.getHeader(NodeRoute.DRAIN_HEADER),
                    () -> http.getRequestedSessionId() != null && http.isRequestedSessionIdValid(), http.getRequestURI())) {
                sendElsewhere(http, out);
                return;
            }
            String setCookie = route.setCookieFor(http.getHeaders("Cookie"), http.isSecure(),
                    http.getHeader("X-Forwarded-Proto"));
            if (setCookie != null) {
                if (!route.onlyWithSession() || http.getSession(false) != null) {
                    out.addHeader("Set-Cookie", setCookie);
                } else {
                    request = new SessionCookieRequest(http, out, setCookie);
                }
            }
        }
        chain.doFilter(request, response);
    }

    /** 307 to the same URL, without the route cookie: the proxy then balances it to another member. */
    private void sendElsewhere(HttpServletRequest http, HttpServletResponse out) {
        out.addHeader("Set-Cookie", route.clearCookie(http.isSecure(), http.getHeader("X-Forwarded-Proto")));
        String query = http.getQueryString();
        out.setStatus(307);
        out.setHeader("Location", http.getRequestURI() + (query == null ? "" : "?" + query));
    }
}
