package network

// IndexACLs lets the tests build an ACL index from records without a
// snapshot.
var IndexACLs = indexACLs
