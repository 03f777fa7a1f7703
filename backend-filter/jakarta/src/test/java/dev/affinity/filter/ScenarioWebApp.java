package dev.affinity.filter;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Set;

/**
 * The scenario web application of {@code dev.affinity.filter.core.scenarios.App}, registered the
 * way a container runs application code at startup. Deliberately not in META-INF/services: each
 * test adds it to its context.
 */
public final class ScenarioWebApp implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        context.addServlet("hello", new Text("hello")).addMapping("/");
        context.addServlet("early", new Early()).addMapping("/early");
        context.addServlet("stream", new Stream()).addMapping("/stream");
        context.addServlet("session", new Session()).addMapping("/session");
        context.addServlet("nosession", new Text("no session")).addMapping("/nosession");
    }

    /** The application's own filter for {@code /gate}, declared in web.xml: it answers 403 itself. */
    public static final class Gate implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException {
            HttpServletResponse http = (HttpServletResponse) response;
            http.setStatus(HttpServletResponse.SC_FORBIDDEN);
            http.setContentType("text/plain;charset=UTF-8");
            http.getWriter().write("denied");
        }
    }

    private static final class Text extends HttpServlet {
        private final String text;

        Text(String text) {
            this.text = text;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().write(text);
        }
    }

    /** Commits the response, headers and all, before the application writes a byte. */
    private static final class Early extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain;charset=UTF-8");
            response.flushBuffer();
            response.getWriter().write("early");
        }
    }

    private static final class Stream extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain;charset=UTF-8");
            PrintWriter out = response.getWriter();
            for (int i = 0; i < 5; i++) {
                out.write("chunk" + i);
                out.flush();
            }
        }
    }

    private static final class Session extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String id = request.getSession(true).getId();
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().write(id);
        }
    }
}
