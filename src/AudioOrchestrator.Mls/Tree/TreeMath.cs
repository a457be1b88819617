using System.Numerics;

namespace AudioOrchestrator.Mls.Tree;

/// <summary>
/// Array-based left-balanced binary tree arithmetic (RFC 9420 §4.1.2, Appendix C). Leaves sit at
/// even node indices; the number of leaves of an MLS tree is always a power of two.
/// </summary>
public static class TreeMath
{
    /// <summary>Level of a node: 0 for leaves, number of trailing one bits otherwise.</summary>
    public static int Level(uint node) => BitOperations.TrailingZeroCount(~node);

    /// <summary>Number of nodes needed for <paramref name="leafCount"/> leaves.</summary>
    public static uint NodeWidth(uint leafCount) => leafCount == 0 ? 0 : (2 * (leafCount - 1)) + 1;

    /// <summary>Root node index of a tree with <paramref name="leafCount"/> leaves.</summary>
    public static uint Root(uint leafCount)
    {
        var width = NodeWidth(leafCount);
        return (1u << BitOperations.Log2(width)) - 1;
    }

    public static uint LeafToNode(uint leaf) => leaf * 2;

    public static uint NodeToLeaf(uint node) => node / 2;

    public static bool IsLeaf(uint node) => (node & 1) == 0;

    /// <summary>Left child, or null for a leaf.</summary>
    public static uint? Left(uint node)
    {
        var k = Level(node);
        return k == 0 ? null : node ^ (1u << (k - 1));
    }

    /// <summary>Right child, or null for a leaf.</summary>
    public static uint? Right(uint node)
    {
        var k = Level(node);
        return k == 0 ? null : node ^ (3u << (k - 1));
    }

    /// <summary>Parent within a tree of <paramref name="leafCount"/> leaves, or null for the root.</summary>
    public static uint? Parent(uint node, uint leafCount)
    {
        if (node == Root(leafCount))
        {
            return null;
        }

        var k = Level(node);
        var b = (node >> (k + 1)) & 1;
        return (node | (1u << k)) ^ (b << (k + 1));
    }

    /// <summary>Sibling within a tree of <paramref name="leafCount"/> leaves, or null for the root.</summary>
    public static uint? Sibling(uint node, uint leafCount)
    {
        var parent = Parent(node, leafCount);
        if (parent is not { } p)
        {
            return null;
        }

        return node < p ? Right(p) : Left(p);
    }

    /// <summary>Direct path of a node: its ancestors from parent to root.</summary>
    public static IReadOnlyList<uint> DirectPath(uint node, uint leafCount)
    {
        var path = new List<uint>();
        var current = node;
        while (Parent(current, leafCount) is { } p)
        {
            path.Add(p);
            current = p;
        }

        return path;
    }

    /// <summary>Copath of a node: the siblings of the node and of each ancestor below the root.</summary>
    public static IReadOnlyList<uint> Copath(uint node, uint leafCount)
    {
        var copath = new List<uint>();
        var current = node;
        while (Parent(current, leafCount) is { } p)
        {
            copath.Add(Sibling(current, leafCount)!.Value);
            current = p;
        }

        return copath;
    }

    /// <summary>True when <paramref name="descendant"/> is in the subtree rooted at <paramref name="ancestor"/>.</summary>
    public static bool IsInSubtree(uint ancestor, uint descendant)
    {
        var k = Level(ancestor);
        var span = (1u << k) - 1;
        return descendant >= ancestor - span && descendant <= ancestor + span;
    }

    /// <summary>Lowest common ancestor of two nodes in a tree of <paramref name="leafCount"/> leaves.</summary>
    public static uint CommonAncestor(uint a, uint b, uint leafCount)
    {
        var current = a;
        while (!IsInSubtree(current, b))
        {
            current = Parent(current, leafCount)
                ?? throw new ArgumentOutOfRangeException(nameof(b), "Node lies outside the tree.");
        }

        return current;
    }
}
