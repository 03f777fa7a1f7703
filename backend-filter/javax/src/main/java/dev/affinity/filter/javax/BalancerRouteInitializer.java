package dev.affinity.filter.javax;

import dev.affinity.filter.core.NodeRoute;
import javax.servlet.DispatcherType;
import javax.servlet.FilterRegistration;
import javax.servlet.ServletContainerInitializer;
import javax.servlet.ServletContext;
import java.util.EnumSet;
import java.util.Set;

/**
 * Registers {@link BalancerRouteFilter} for {@code /*}, before the application's own filters, in
 * every web application the jar reaches. A ServletContainerInitializer rather than a
 * web-fragment.xml, because containers still run SCIs for a web.xml with
 * {@code metadata-complete="true"} (Tomcat's own examples have one), and from the container's
 * lib folder for every application. A filter already declared in web.xml is left alone.
 */
public final class BalancerRouteInitializer implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        for (FilterRegistration existing : context.getFilterRegistrations().values()) {
            if (BalancerRouteFilter.class.getName().equals(existing.getClassName())) {
                return;
            }
        }
        FilterRegistration.Dynamic filter = context.addFilter(NodeRoute.FILTER_NAME, BalancerRouteFilter.class);
        if (filter == null) {
            return;
        }
        filter.setAsyncSupported(true);
        filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    }
}
