//! Every matchOrders rejection (0x00 to 0x60) and every lifecycle precondition reverts, with its reason.
