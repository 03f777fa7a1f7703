package dev.affinity.demo.app;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * The demo's pages, registered when the application starts: found as a {@code @WebListener} in the
 * WAR, added by the launcher in embedded Tomcat. The node's name is its route, as the Affinity
 * filter resolved it.
 *
 * <ul>
 *   <li>{@code /}: the node, the session, its counter and the BALANCEID the browser sent;</li>
 *   <li>{@code /count}: a POST that adds one to the counter and redirects back to {@code /};</li>
 *   <li>{@code /login}: a form that POSTs and answers 302 to the node's own absolute URL, which the
 *       proxy's ProxyPassReverse must rewrite;</li>
 *   <li>{@code /welcome}: where the login lands;</li>
 *   <li>{@code /cookie}: sets a cookie with {@code Domain=<node host>}, which ProxyPassReverseCookieDomain rewrites;</li>
 *   <li>{@code /api/whoami}: the same facts as {@code /}, as JSON; each call counts one.</li>
 * </ul>
 */
@WebListener
public final class DemoServlets implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        add(context, "home", "", new Home());
        add(context, "count", "/count", new Count());
        add(context, "login", "/login", new Login());
        add(context, "welcome", "/welcome", new Welcome());
        add(context, "cookie", "/cookie", new DomainCookie());
        add(context, "whoami", "/api/whoami", new WhoAmI());
    }

    private static void add(ServletContext context, String name, String path, HttpServlet servlet) {
        context.addServlet(name, servlet).addMapping(path);
    }

    /**
     * The node's name: the route the Affinity filter resolved and published (from whichever of its
     * sources: init-param, system property, environment, Tomcat's jvmRoute), so page and cookie agree.
     */
    static String node(HttpServletRequest request) {
        Object route = request.getServletContext().getAttribute("dev.affinity.filter.route");
        return route == null ? "unnamed node (no route: the Affinity filter issues no BALANCEID)" : route.toString();
    }

    /** {@code /}: one visit, shown. */
    static final class Home extends HttpServlet {

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Visit v = Visit.look(request, node(request));
            String sent = v.balanceId() == null ? "(none: this is your first visit, the node just issued one)"
                    : v.balanceId();
            Page.write(response, "Affinity demo: " + node(request), node(request), """
                    <table>
                    <tr><th>Session</th><td id="session">%s</td></tr>
                    <tr><th>Counted in this session</th><td id="visits">%d</td></tr>
                    <tr><th>BALANCEID your browser sent</th><td id="balanceid">%s</td></tr>
                    <tr><th>Logged in as</th><td id="user">%s</td></tr>
                    </table>
                    <form method="post" action="/count"><button id="count" type="submit">Count again</button></form>
                    <p class="hint">Every click is served by the same node, and the counter goes up by one.
                    Stop this node and click again: the other node answers, with no error page, with
                    your session and its counter (the nodes replicate sessions), and re-pins your
                    browser to itself.</p>
                    """.formatted(Page.escape(v.sessionId()), v.visits(), Page.escape(sent),
                    Page.escape(v.user() == null ? "(nobody)" : v.user())));
        }
    }

    /** {@code /count}: one more in the session's counter, then back to {@code /} (POST, redirect, GET). */
    static final class Count extends HttpServlet {

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) {
            Visit.count(request, node(request));
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", "/");
        }
    }

    /** {@code /login}: the form, and a POST that redirects to the node's own address. */
    static final class Login extends HttpServlet {

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Page.write(response, "Log in", node(request), """
                    <form method="post" action="/login">
                    <label>Name <input id="name" name="name" value="ada"></label>
                    <button id="login" type="submit">Log in</button>
                    </form>
                    <p class="hint">The node answers with a redirect to its own address, as a misconfigured app
                    does. The proxy rewrites it, so you land on the proxy, not on the node.</p>
                    """);
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) {
            String name = request.getParameter("name");
            HttpSession session = request.getSession(true);
            session.setAttribute(Visit.USER, name == null || name.isBlank() ? "anonymous" : name.strip());
            // What a misconfigured app really does: an absolute URL naming the node itself.
            String self = "http://" + hostForUrl(request.getLocalAddr()) + ":" + request.getLocalPort();
            response.setStatus(HttpServletResponse.SC_FOUND);
            response.setHeader("Location", self + "/welcome");
        }
    }

    /** {@code /welcome}: where a login lands. */
    static final class Welcome extends HttpServlet {

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            HttpSession session = request.getSession(false);
            Object user = session == null ? null : session.getAttribute(Visit.USER);
            Page.write(response, "Welcome", node(request), "<h1 id=\"welcome\">Welcome, "
                    + Page.escape(user == null ? "stranger" : user.toString()) + "</h1>"
                    + "<p>You are at <code id=\"url\">" + Page.escape(request.getRequestURL().toString())
                    + "</code> as the node sees it; your browser's address bar shows the proxy.</p>");
        }
    }

    /** {@code /cookie}: a cookie scoped to the node's host name. */
    static final class DomainCookie extends HttpServlet {

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String host = request.getLocalAddr();
            response.addHeader("Set-Cookie", "demo_theme=dark; Domain=" + host + "; Path=/");
            Page.write(response, "Cookie domain", node(request), "<p>This node set <code id=\"cookie\">demo_theme=dark; Domain="
                    + Page.escape(host) + "</code>. Through the proxy, ProxyPassReverseCookieDomain turns the domain into "
                    + "the proxy's, so your browser keeps it.</p>");
        }
    }

    /** {@code /api/whoami}: the facts of {@code /} as JSON. */
    static final class WhoAmI extends HttpServlet {

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Visit v = Visit.count(request, node(request));
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            response.getWriter().print(v.json());
        }
    }

    private static String hostForUrl(String address) {
        return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    }
}
