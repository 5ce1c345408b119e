//go:build !unix

package gatehouse

// fileLimit is 0 where descriptor limits are not read: no derived cap.
func fileLimit() int { return 0 }
