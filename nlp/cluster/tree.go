package cluster

import (
	"math"
	"slices"
)

// linkage is a single-linkage dendrogram in SciPy's layout: merge i
// creates node n+i from nodes left[i] and right[i] (points are 0…n−1) at
// distance dist[i], holding size[i] points.
type linkage struct {
	left, right []int
	dist        []float64
	size        []int
}

// singleLinkage turns MST edges sorted by weight into the dendrogram, with
// the same union-find walk (and so the same left/right order) as
// scikit-learn's make_single_linkage.
func singleLinkage(edges []mstEdge, n int) linkage {
	l := linkage{
		left:  make([]int, n-1),
		right: make([]int, n-1),
		dist:  make([]float64, n-1),
		size:  make([]int, n-1),
	}
	parent := make([]int, 2*n-1)
	size := make([]int, 2*n-1)
	for i := range parent {
		parent[i] = -1
	}
	for i := range n {
		size[i] = 1
	}
	find := func(x int) int {
		root := x
		for parent[root] != -1 {
			root = parent[root]
		}
		for parent[x] != -1 && parent[x] != root {
			x, parent[x] = parent[x], root
		}
		return root
	}
	for i, e := range edges {
		a, b := find(e.a), find(e.b)
		node := n + i
		l.left[i], l.right[i], l.dist[i] = a, b, e.w
		size[node] = size[a] + size[b]
		l.size[i] = size[node]
		parent[a], parent[b] = node, node
	}
	return l
}

// condensed is the condensed cluster tree: clusters are numbered from n
// (the root) upwards in the order they appear in a breadth-first walk, so a
// child always has a larger number than its parent. Points leave a cluster
// at lambda = 1/distance.
type condensed struct {
	n        int
	rows     []ctRow   // (parent, child, lambda, size) in scikit-learn's order
	parent   []int     // parent cluster of each cluster (index id−n); −1 for the root
	birth    []float64 // lambda at which each cluster appears; 0 for the root
	children [][]int   // child clusters of each cluster, in row order
	size     []int     // points in each cluster when it appears
}

type ctRow struct {
	parent, child int
	lambda        float64
	size          int
}

func (c *condensed) clusters() int { return len(c.parent) }

// condense walks the dendrogram top-down, breadth first, and keeps a split
// only when both sides have at least minSize points; otherwise the small
// side's points fall out of the cluster, which carries on under its old
// number. This mirrors scikit-learn's _condense_tree row for row, because
// the row order fixes how stabilities are summed.
func condense(l linkage, n, minSize int) *condensed {
	root := 2*n - 2
	k := &condenser{
		l: l, n: n, minSize: minSize,
		c: &condensed{
			n:        n,
			parent:   []int{-1},
			birth:    []float64{0},
			children: [][]int{nil},
			size:     []int{n},
		},
		relabel: make([]int, 2*n-1),
		ignore:  make([]bool, 2*n-1),
	}
	k.relabel[root] = n
	queue := []int{root}
	for head := 0; head < len(queue); head++ {
		node := queue[head]
		k.split(node)
		if node >= n {
			queue = append(queue, l.left[node-n], l.right[node-n])
		}
	}
	return k.c
}

// condenser is condense's working state: relabel maps a dendrogram node to
// the condensed cluster it belongs to, ignore marks the nodes whose points
// already fell out.
type condenser struct {
	l          linkage
	n, minSize int
	c          *condensed
	relabel    []int
	ignore     []bool
	sub        []int // a second queue: dropping points walks a subtree mid-walk
}

func (k *condenser) count(node int) int {
	if node < k.n {
		return 1
	}
	return k.l.size[node-k.n]
}

// split condenses the merge at node: both sides become clusters, or the
// small sides' points fall out and the cluster carries on.
func (k *condenser) split(node int) {
	n, l := k.n, k.l
	if node < n || k.ignore[node] {
		return
	}
	i := node - n
	left, right := l.left[i], l.right[i]
	lambda := math.Inf(1)
	if l.dist[i] > 0 {
		lambda = 1 / l.dist[i]
	}
	lc, rc := k.count(left), k.count(right)
	p := k.relabel[node]
	switch {
	case lc >= k.minSize && rc >= k.minSize:
		k.addCluster(p, left, lambda, lc)
		k.addCluster(p, right, lambda, rc)
	case lc < k.minSize && rc < k.minSize:
		k.dropAll(p, left, lambda)
		k.dropAll(p, right, lambda)
	case lc < k.minSize:
		k.relabel[right] = p
		k.dropAll(p, left, lambda)
	default:
		k.relabel[left] = p
		k.dropAll(p, right, lambda)
	}
}

// addCluster makes node a new cluster under parentID, born at lambda.
func (k *condenser) addCluster(parentID, node int, lambda float64, size int) {
	c, n := k.c, k.n
	id := n + len(c.parent)
	k.relabel[node] = id
	c.parent = append(c.parent, parentID)
	c.birth = append(c.birth, lambda)
	c.children = append(c.children, nil)
	c.size = append(c.size, size)
	c.children[parentID-n] = append(c.children[parentID-n], id)
	c.rows = append(c.rows, ctRow{parent: parentID, child: id, lambda: lambda, size: size})
}

// dropAll makes every point under from fall out of parentID at lambda.
func (k *condenser) dropAll(parentID, from int, lambda float64) {
	n, l := k.n, k.l
	k.sub = append(k.sub[:0], from)
	for head := 0; head < len(k.sub); head++ {
		node := k.sub[head]
		k.ignore[node] = true
		if node < n {
			k.c.rows = append(k.c.rows, ctRow{parent: parentID, child: node, lambda: lambda, size: 1})
		} else {
			k.sub = append(k.sub, l.left[node-n], l.right[node-n])
		}
	}
}

// stability is Σ (lambda_leave − lambda_birth) × size over each cluster's
// rows, summed in row order as scikit-learn does.
func (c *condensed) stability() []float64 {
	s := make([]float64, c.clusters())
	for _, r := range c.rows {
		p := r.parent - c.n
		s[p] += (r.lambda - c.birth[p]) * float64(r.size)
	}
	return s
}

// labels selects clusters and labels points with them. The root is never
// selectable (allow_single_cluster false).
func (c *condensed) labels(selection string, epsilon float64) []int {
	k := c.clusters()
	selected := make([]bool, k)
	if k > 1 {
		switch selection {
		case SelectionLeaf:
			var leaves []int
			for id := 1; id < k; id++ {
				if len(c.children[id]) == 0 {
					leaves = append(leaves, id)
				}
			}
			if epsilon != 0 {
				leaves = c.epsilonSearch(leaves, epsilon)
			}
			for _, id := range leaves {
				selected[id] = true
			}
		default:
			stab := c.stability()
			for id := k - 1; id >= 1; id-- { // children before parents
				var sub float64
				for _, ch := range c.children[id] {
					sub += stab[ch-c.n]
				}
				if sub > stab[id] {
					stab[id] = sub
				} else {
					selected[id] = true
					c.walk(id, func(d int) { selected[d] = false })
				}
			}
			if epsilon != 0 {
				var eom []int
				for id := 1; id < k; id++ {
					if selected[id] {
						eom = append(eom, id)
					}
				}
				clear(selected)
				for _, id := range c.epsilonSearch(eom, epsilon) {
					selected[id] = true
				}
			}
		}
	}

	// Each point takes the label of its nearest selected ancestor; numbers
	// follow cluster ids, as scikit-learn's do.
	label := make([]int, k)
	next := 0
	for id := range k {
		switch {
		case selected[id]:
			label[id] = next
			next++
		case id == 0:
			label[id] = Noise
		default:
			label[id] = label[c.parent[id]-c.n]
		}
	}
	out := make([]int, c.n)
	for _, r := range c.rows {
		if r.size == 1 && r.child < c.n {
			out[r.child] = label[r.parent-c.n]
		}
	}
	return out
}

// walk calls fn for every proper descendant of cluster id (index form).
func (c *condensed) walk(id int, fn func(int)) {
	for _, ch := range c.children[id] {
		fn(ch - c.n)
		c.walk(ch-c.n, fn)
	}
}

// epsilonSearch is scikit-learn's epsilon_search: a chosen cluster born at
// a distance below epsilon is replaced by its lowest ancestor born above
// epsilon, or by its top-level ancestor when there is none, and that
// ancestor's descendants are not visited again.
func (c *condensed) epsilonSearch(chosen []int, epsilon float64) []int {
	var out []int
	processed := make([]bool, c.clusters())
	for _, id := range chosen {
		if 1/c.birth[id] >= epsilon {
			out = append(out, id)
			continue
		}
		if processed[id] {
			continue
		}
		up := c.upwards(id, epsilon)
		out = append(out, up)
		c.walk(up, func(d int) { processed[d] = true })
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// upwards is scikit-learn's traverse_upwards with allow_single_cluster
// false.
func (c *condensed) upwards(id int, epsilon float64) int {
	for {
		p := c.parent[id] - c.n
		if p == 0 {
			return id
		}
		if 1/c.birth[p] > epsilon {
			return p
		}
		id = p
	}
}
