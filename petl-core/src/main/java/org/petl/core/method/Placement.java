package org.petl.core.method;

import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;
import org.petl.core.site.SiteGraph;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Modified representation: which hidden states a modification acts on — points of sub-layers, in chosen stacks
 * and layers. E.g. {self_attn, cross_attn} × {heads}, or {self_attn} × {q, v} for LoRA.
 *
 * @param layers the layer indices, or empty for every layer
 */
public record Placement(Set<Stack> stacks, Set<Module> modules, Set<Point> points, List<Integer> layers) {

    public Placement {
        stacks = Set.copyOf(stacks);
        modules = Set.copyOf(modules);
        points = Set.copyOf(points);
        layers = List.copyOf(layers);
        if (stacks.isEmpty() || modules.isEmpty() || points.isEmpty()) throw new MethodSpecException("a placement needs stacks, modules and points");
    }

    /** Every attention module of every stack (encoder self, decoder self, cross). */
    public static Placement attention(Point... points) {
        return new Placement(EnumSet.allOf(Stack.class), EnumSet.of(Module.SELF_ATTN, Module.CROSS_ATTN), Set.of(points), List.of());
    }

    public static Placement ffn(Point... points) {
        return new Placement(EnumSet.allOf(Stack.class), EnumSet.of(Module.FFN), Set.of(points), List.of());
    }

    public Placement withLayers(List<Integer> l) {
        return new Placement(stacks, modules, points, l);
    }

    /** The sites of a graph this placement selects, in graph order; fails when a requested layer does not exist. */
    public List<Site> sites(SiteGraph g) {
        for (Stack s : stacks) {
            for (int i : layers) {
                if (g.layers(s) > 0 && (i < 0 || i >= g.layers(s))) {
                    throw new MethodSpecException("layer " + i + " does not exist: the " + s.name().toLowerCase() + " has " + g.layers(s) + " layers");
                }
            }
        }
        List<Site> out = new ArrayList<>();
        for (Site site : g.sites()) {
            if (stacks.contains(site.stack()) && modules.contains(site.module()) && points.contains(site.point())
                    && (layers.isEmpty() || layers.contains(site.layer()))) {
                out.add(site);
            }
        }
        return out;
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(String.join("|", modules.stream().map(m -> m.name().toLowerCase()).sorted().toList()));
        b.append('.').append(String.join("|", points.stream().map(p -> p.name().toLowerCase()).sorted().toList()));
        if (!layers.isEmpty()) b.append(" layers ").append(layers);
        return b.toString();
    }
}
