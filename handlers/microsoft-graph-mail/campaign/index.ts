/** The campaign actions (contract.md §8), in the order help lists them. */
import { spec as find } from './find';
import { spec as list } from './list';
import { spec as purge } from './purge';
import { spec as restore } from './restore';
import { spec as show } from './show';

export const campaignActions = [find, purge, restore, show, list];
